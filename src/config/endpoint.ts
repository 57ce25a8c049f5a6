// The one grammar of ZeroMQ endpoints, for the configuration and every command. An endpoint
// is used in one of two roles: connected to (the detector's stream, a pipeline's worker port)
// or bound (the simulator's and replay's stream). Both accept tcp://HOST:PORT and ipc://PATH;
// only a bind may name every interface (tcp://*:PORT) or any free port (tcp://HOST:*).
// inproc:// is refused: the pipeline's peers are other processes, so nothing would ever come.
export type EndpointRole = 'connect' | 'bind';

/** What is wrong with `value` as an endpoint in `role`, or null when it is fine. */
export function endpointProblem(value: string, role: EndpointRole): string | null {
  if (/^ipc:\/\/.+/.test(value)) return null;
  if (value.startsWith('inproc://')) return 'inproc:// reaches only this process; use tcp:// or ipc://';
  const m = /^tcp:\/\/(\[[^\]]+\]|[^:/\s]+):([^:/\s]+)$/.exec(value);
  if (!m) return `must be tcp://HOST:PORT or ipc://PATH, got "${value}"`;
  const [, host, port] = m;
  if (role === 'connect' && host === '*')
    return `cannot connect to every interface (tcp://*): name the host, got "${value}"`;
  if (port === '*') return role === 'bind' ? null : `needs a port to connect to, got "${value}"`;
  if (!/^\d{1,5}$/.test(port!) || Number(port) < 1 || Number(port) > 65535)
    return `port must be 1-65535${role === 'bind' ? ' or *' : ''}, got "${value}"`;
  return null;
}

/** The endpoint, trimmed; throws an Error naming what is wrong. */
export function parseEndpoint(value: string, role: EndpointRole): string {
  const v = value.trim();
  const problem = endpointProblem(v, role);
  if (problem) throw new Error(`endpoint ${problem}`);
  return v;
}
