// A private RabbitMQ for tests and benchmarks: Debian's rabbitmq-server started on a free port with its own
// node name, data and log directories (nothing shared with a system broker), stopped and
// started again on the same port and data for the broker-down cases. Where the server is not
// installed, tests skip and say so.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SERVER = '/usr/lib/rabbitmq/bin/rabbitmq-server';

export function rabbitmqMissing(): string | null {
  return existsSync(SERVER) ? null : `no RabbitMQ at ${SERVER} (apt-get install rabbitmq-server)`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });

export class TestBroker {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<TestBroker> {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'sp-rabbitmq-'));
    writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users = none\n`);
    const broker = new TestBroker(port, dir);
    await broker.up();
    return broker;
  }

  get url(): string {
    return `amqp://127.0.0.1:${this.port}`;
  }

  /** Starts the server (again) and waits for its AMQP port. */
  async up(timeoutMs = 60_000): Promise<void> {
    const d = this.dir;
    this.child = spawn(SERVER, [], {
      env: {
        ...process.env,
        HOME: d,
        RABBITMQ_NODENAME: `sptest${this.port}@localhost`,
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.port + 20000 > 65000 ? this.port - 20000 : this.port + 20000),
        RABBITMQ_MNESIA_BASE: join(d, 'mnesia'),
        RABBITMQ_LOG_BASE: join(d, 'log'),
        RABBITMQ_CONFIG_FILE: join(d, 'rabbitmq'),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(d, 'enabled_plugins'),
        RABBITMQ_PID_FILE: join(d, 'pid'),
      },
      stdio: 'ignore',
      detached: true,
    });
    const deadline = Date.now() + timeoutMs;
    while (!(await listening(this.port))) {
      if (Date.now() > deadline) throw new Error(`RabbitMQ did not listen on ${this.port} (logs in ${d}/log)`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Kills the server and waits until its port is closed (the broker "goes down"). */
  async down(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (child?.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL'); // the whole group: the script and its Erlang VM
      } catch {
        // already gone
      }
    }
    while (await listening(this.port)) await new Promise((r) => setTimeout(r, 100));
  }

  async stop(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
