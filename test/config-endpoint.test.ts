// One endpoint grammar for the configuration and every command, with a connect and a bind role.
import { describe, expect, it } from 'vitest';
import { endpointProblem } from '../src/config/endpoint.js';
import { ConfigError, parseConfig } from '../src/config/loadConfig.js';

describe('endpoints', () => {
  const cases: [string, 'connect' | 'bind', RegExp | null][] = [
    ['tcp://127.0.0.1:9999', 'connect', null],
    ['tcp://[::1]:31001', 'connect', null],
    ['tcp://dcu:31001', 'connect', null],
    ['ipc:///tmp/x.ipc', 'connect', null],
    ['tcp://*:9999', 'bind', null],
    ['tcp://127.0.0.1:*', 'bind', null],
    ['tcp://*:9999', 'connect', /cannot connect to every interface/],
    ['tcp://127.0.0.1:*', 'connect', /needs a port to connect to/],
    ['tcp://127.0.0.1', 'connect', /must be tcp:\/\/HOST:PORT or ipc:\/\/PATH/],
    ['tcp://127.0.0.1:99999', 'bind', /port must be 1-65535 or \*/],
    ['tcp://127.0.0.1:0', 'connect', /port must be 1-65535/],
    ['inproc://x', 'connect', /inproc:\/\/ reaches only this process/],
    ['inproc://x', 'bind', /inproc:\/\//],
    ['localhost:9999', 'connect', /must be tcp:\/\/HOST:PORT/],
  ];
  for (const [value, role, problem] of cases) {
    it(`${role} ${value}: ${problem ? 'refused' : 'accepted'}`, () => {
      const p = endpointProblem(value, role);
      if (problem) expect(p).toMatch(problem);
      else expect(p).toBeNull();
    });
  }

  it('is the grammar of detector.endpoint in a configuration file, named with its line', () => {
    for (const [value, message] of [
      ['tcp://*:9999', /cannot connect to every interface/],
      ['inproc://x', /inproc/],
    ] as const) {
      let err: unknown;
      try {
        parseConfig(`name: x\ndetector:\n  endpoint: ${value}\n`, 'c.yaml');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message).toMatch(/^c\.yaml:3: detector\.endpoint: /);
      expect((err as ConfigError).message).toMatch(message);
    }
  });
});
