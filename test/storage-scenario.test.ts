// Storage QoS in scenario files (issue 11): a host's `storage` device and the `storage` stream of
// a disk load, their units and defaults, the round trip through serializeScenario, and pointed
// errors (exit 2) for reservations the device cannot carry and streams with nowhere to go.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';

const osd = (reservation: string, extra = '') => `
name: osd
duration: 2s
hosts:
  - { id: ph1, cpus: 1, storage: { device: hdd, scheduler: mclock } }
vmus:
  - id: media
    host: ph1
    io:
      - id: video
        kind: disk
        rate: 40/s
        deadline: 200ms
        storage: { size: 65536, access: sequential, reservation: ${reservation}, limit: 100/s, weight: 2 }
      - id: backup
        kind: disk
        rate: 30/s
        storage: { write: true, ioMax: { wiops: 10/s, wbps: 1000000 } }${extra}
`;

const load = (text: string) => parseScenarioText(text, 'osd.yaml');

describe('storage in scenario files', () => {
  it('reads the device, the stream shapes and QoS in their units, with defaults', () => {
    const sc = load(osd('50/s'));
    expect(sc.hosts[0].storage).toEqual({ device: 'hdd', deviceParams: {}, scheduler: 'mclock', schedulerParams: {} });
    expect(sc.vmus[0].io[0].storage).toEqual({ bytes: 65536, write: false, sequential: true, reservation: 50, weight: 2, limit: 100 });
    expect(sc.vmus[0].io[1].storage).toEqual({ bytes: 4096, write: true, sequential: false, reservation: 0, weight: 1, limit: 0, ioMax: { wiops: 10, wbps: 1000000 } });
  });

  it('serializeScenario gives back the same scenario', () => {
    const sc = load(osd('50/s'));
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'osd.json', { format: 'json' });
    expect(again.hosts).toEqual(sc.hosts);
    expect(again.vmus).toEqual(sc.vmus);
  });

  it('reservations over the device are refused with the host pointer, what was reserved and a way out', () => {
    // 100 sequential 64 KiB reads/s would fit; random 4 KiB at 100/s need ≈ 1.24 of the HDD.
    const text = osd('100/s').replace('access: sequential, ', '').replace('size: 65536, ', '');
    let error: unknown;
    try {
      load(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/\/hosts\/0\/storage/);
    expect((error as Error).message).toMatch(/124 % reserved \(video 100\/s\)/);
    expect((error as Error).message).toMatch(/give the host an ssd/);
  });

  it('refuses a reservation above the limit, a storage stream on a net load, and one on a host without storage', () => {
    expect(() => load(osd('150/s'))).toThrow(/\/vmus\/0\/io\/0\/storage\/reservation[\s\S]*a reservation <= the limit/);
    expect(() => load(osd('50/s').replace('kind: disk\n        rate: 40/s', 'kind: net\n        rate: 40/s'))).toThrow(/\/vmus\/0\/io\/0\/storage[\s\S]*kind "disk"/);
    expect(() => load(osd('50/s').replace(', storage: { device: hdd, scheduler: mclock }', ''))).toThrow(/\/vmus\/0\/io\/0\/storage[\s\S]*a storage device on host ph1/);
    expect(() => load(osd('50/s').replace('scheduler: mclock', 'scheduler: bfq'))).toThrow(/\/hosts\/0\/storage\/scheduler/);
  });
});
