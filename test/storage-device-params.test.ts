// Device parameters in scenario files (issue 11, "Device service models … defaults with sources"):
// `hosts[].storage.device: { model: hdd | ssd, ... }` overrides the model's parameters in units.
// The analytic service of a 4 KiB random read must follow from what the file gives (io-qos.md §1.9:
// HDD = seek + half a revolution + bytes / rate; SSD = op + bytes / unit rate), both in the
// admission arithmetic and in what a run measures; bad values are pointed errors (exit 2).
import { describe, expect, it } from 'vitest';
import { kvmIrmos } from '../models/kvm/kvm-irmos.js';
import { InputError } from '../src/errors.js';
import { simulate } from '../src/experiments/simulate.js';
import { STORAGE_DEVICES } from '../src/engine/storage/devices.js';
import { Rng } from '../src/engine/rng.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';

const scenarioWith = (device: string) => `
name: device-params
duration: 4s
hosts:
  - { id: ph1, cpus: 1, storage: { device: ${device} } }
vmus:
  - id: db
    host: ph1
    io:
      - { id: reads, kind: disk, period: 200ms, storage: { size: 4096 } }
`;

const load = (device: string) => parseScenarioText(scenarioWith(device), 'dev.yaml');
const meanRandomRead = (device: string) => {
  const st = load(device).hosts[0].storage!;
  return STORAGE_DEVICES[st.device].create(st.deviceParams, new Rng(0, 'test')).meanServiceNs(4096, false, false);
};
const readLatency = (device: string) => simulate(load(device), kvmIrmos).io.find((l) => l.id === 'reads')!.latency;

describe('storage device parameters in scenario files', () => {
  it('HDD: the mean 4 KiB random read is average seek + half a revolution + 4 KiB / transfer rate, from the file', () => {
    // 15k rpm: a revolution is 4 ms, half of it 2 ms; 4096 B at 200 MB/s is 20.48 µs.
    expect(meanRandomRead('{ model: hdd, rpm: 15000, averageSeek: 3.5ms, trackToTrack: 0.2ms, transferRate: 200MB/s }')).toBeCloseTo(3_500_000 + 2_000_000 + 20_480, 3);
    // Doubling rpm halves the mean rotational delay: 7200 → 14400 rpm saves a quarter of a 7200 rpm revolution.
    const slow = meanRandomRead('{ model: hdd, rpm: 7200 }');
    const fast = meanRandomRead('{ model: hdd, rpm: 14400 }');
    expect(slow - fast).toBeCloseTo(60e9 / 7200 / 4, 3);
    expect(meanRandomRead('hdd')).toBe(slow);
  });

  it('HDD: a run charges the file\'s spindle speed — doubling rpm cuts each read by a quarter revolution', () => {
    // rotation: mean charges half a revolution, so both runs draw the same offsets (seeks) and differ only there.
    const slow = readLatency('{ model: hdd, rpm: 7200, rotation: mean }');
    const fast = readLatency('{ model: hdd, rpm: 14400, rotation: mean }');
    expect(slow.count).toBeGreaterThan(10);
    expect(slow.meanNs - fast.meanNs).toBeGreaterThan(60e9 / 7200 / 4 - 20_000);
    expect(slow.meanNs - fast.meanNs).toBeLessThan(60e9 / 7200 / 4 + 20_000);
  });

  it('SSD: the run\'s read latency moves by exactly the read op the file changes; IOPS at saturation = units / service', () => {
    const quick = readLatency('{ model: ssd, units: 1, readOp: 100us, unitBandwidth: 4096MB/s }');
    const slow = readLatency('{ model: ssd, units: 1, readOp: 1ms, unitBandwidth: 4096MB/s }');
    expect(slow.p50Ns - quick.p50Ns).toBeGreaterThan(900_000 - 20_000);
    expect(slow.p50Ns - quick.p50Ns).toBeLessThan(900_000 + 20_000);
    // 2 units of 1 ms + 4096 B / 4.096 GB/s (1 µs): 2 / 1.001 ms ≈ 1998 IOPS.
    const st = load('{ model: ssd, units: 2, readOp: 1ms, unitBandwidth: 4096MB/s }').hosts[0].storage!;
    const device = STORAGE_DEVICES.ssd.create(st.deviceParams, new Rng(0, 'test'));
    expect(device.units / (device.meanServiceNs(4096, false, false) / 1e9)).toBeCloseTo(2 / 1.001e-3, 6);
  });

  it('keeps only what the file gives, and serializeScenario reads back the same device', () => {
    const sc = load('{ model: hdd, rpm: 10000, transferRate: 150MB/s, capacity: 600GB, rotation: mean }');
    expect(sc.hosts[0].storage!.deviceParams).toEqual({ rpm: 10000, transferBytesPerSec: 150e6, capacityBytes: 600e9, rotation: 'mean' });
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'dev.json', { format: 'json' });
    expect(again.hosts).toEqual(sc.hosts);
    const ssd = load('{ model: ssd, units: 8, writeOp: 50us, unitBandwidth: 300MiB/s }');
    expect(ssd.hosts[0].storage!.deviceParams).toEqual({ units: 8, writeOpNs: 50_000, unitBytesPerSec: 300 * 1024 * 1024 });
    expect(parseScenarioText(JSON.stringify(serializeScenario(ssd)), 'dev.json', { format: 'json' }).hosts).toEqual(ssd.hosts);
    const ncq = load('{ model: hdd, queueDepth: 32, maxCommandAge: 250ms }');
    expect(ncq.hosts[0].storage!.deviceParams).toEqual({ queueDepth: 32, maxCommandAgeNs: 250_000_000 });
    expect(parseScenarioText(JSON.stringify(serializeScenario(ncq)), 'dev.json', { format: 'json' }).hosts).toEqual(ncq.hosts);
  });

  it('HDD: queueDepth 1 is the default — the same run, byte for byte — and a deeper queue lets the disk reorder', () => {
    expect(readLatency('{ model: hdd, queueDepth: 1 }')).toEqual(readLatency('hdd'));
    // One read every 200 ms never finds another queued: the disk has no choice, yet its rotation
    // now follows the sector's angle instead of a draw, so the run differs but stays a valid service.
    expect(readLatency('{ model: hdd, queueDepth: 8 }').maxNs).toBeLessThan(30e6);
  });

  it('refuses bad parameters with the file, the pointer, what was expected and what was found', () => {
    const message = (device: string) => {
      try {
        load(device);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(message('{ model: hdd, averageSeek: 8 }')).toMatch(/dev\.yaml[\s\S]*\/hosts\/0\/storage\/device\/averageSeek/);
    expect(message('{ model: hdd, transferRate: 120 }')).toMatch(/\/hosts\/0\/storage\/device\/transferRate[\s\S]*bytes per second with a unit/);
    expect(message('{ model: hdd, averageSeek: 0.5ms }')).toMatch(/\/hosts\/0\/storage\/device\/averageSeek[\s\S]*track-to-track seek <= the average seek[\s\S]*1 ?ms[\s\S]*by default/);
    expect(message('{ model: ssd, rpm: 7200 }')).toMatch(/\/hosts\/0\/storage\/device[\s\S]*rpm/);
    expect(message('{ model: ssd, units: 0 }')).toMatch(/\/hosts\/0\/storage\/device\/units/);
    expect(message('{ model: tape }')).toMatch(/\/hosts\/0\/storage\/device/);
    expect(message('{ model: hdd, queueDepth: 0 }')).toMatch(/\/hosts\/0\/storage\/device\/queueDepth/);
    expect(message('{ model: hdd, queueDepth: 300 }')).toMatch(/\/hosts\/0\/storage\/device\/queueDepth/);
    expect(message('{ model: hdd, maxCommandAge: 100ms }')).toMatch(/\/hosts\/0\/storage\/device\/maxCommandAge[\s\S]*queueDepth > 1[\s\S]*queueDepth 1 \(by default\)/);
  });
});
