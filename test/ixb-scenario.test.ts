// The IXB packet path in scenario files (issue 11): links, virtual links, flows and IXB costs read
// in their units, the round trip through serializeScenario, and one pointed error (exit 2) per
// mistake: a flow to an unknown VMU (with a did-you-mean), a shaper of rate 0, hosts without a
// link, HTB classes over their root, a re-mark into nowhere.
import { describe, expect, it } from 'vitest';
import { InputError } from '../src/errors.js';
import { parseScenarioText, serializeScenario } from '../src/scenario/index.js';

const HTB = '{ qdisc: htb, rate: 100Mbit/s, classes: [{ name: ef, rate: 20Mbit/s, prio: 0 }, { name: be, rate: 50Mbit/s, ceil: 100Mbit/s, prio: 1 }] }';
// An htb tree: inner class rt (30 Mbit/s, ceil 60) over ef; be beside it (HTB user guide, io-qos.md A6).
const TREE = '{ qdisc: htb, rate: 100Mbit/s, classes: [{ name: rt, rate: 30Mbit/s, ceil: 60Mbit/s }, { name: ef, rate: 20Mbit/s, parent: rt }, { name: be, rate: 50Mbit/s, ceil: 100Mbit/s, prio: 1 }] }';
const REMARK = '{ rate: 30Mbit/s, burst: 15000, action: remark, remarkClass: be, class: ef }';
const net = (egress = HTB, flowTo = 'sink', extra = '', police = REMARK) => `
name: ixb
duration: 1s
hosts:
  - { id: ph1, cpus: 1, ixb: { forward: 2us, perByte: 0.25, ringSlots: 128 } }
  - { id: ph2, cpus: 1 }
links:
  - { id: l1, hosts: [ph1, ph2], bandwidth: 1Gbit/s, delay: 100us }
vmus:
  - id: cam
    host: ph1
    network:
      police: ${police}
      egress: ${egress}
  - { id: sink, host: ph2 }
flows:
  - { id: video, from: cam, to: ${flowTo}, rate: 2000/s, size: 1200, class: ef, deadline: 5ms }
  - { id: bursts, from: cam, to: sink, arrival: onoff, rate: 8000/s, on: 20ms, off: 80ms, size: { min: 64, max: 1500 }, class: be }${extra}
`;

const load = (text: string) => parseScenarioText(text, 'ixb.yaml');
function failure(text: string): InputError {
  try {
    load(text);
  } catch (e) {
    if (e instanceof InputError) return e;
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('the IXB packet path in scenario files', () => {
  it('reads links, virtual links, flows and IXB costs in their units', () => {
    const sc = load(net());
    expect(sc.links).toEqual([{ id: 'l1', hosts: ['ph1', 'ph2'], bandwidthBps: 1e9, delayNs: 100_000, queuePackets: 1000 }]);
    expect(sc.hosts[0].ixb).toMatchObject({ forwardNs: 2000, perByteNs: 0.25, ringSlots: 128, encapsulationNs: 300 });
    expect(sc.vmus[0].vlink!.police).toEqual({ rateBytesPerSec: 30e6 / 8, burstBytes: 15000, action: 'remark', remarkClass: 'be', onlyClass: 'ef' });
    expect(sc.vmus[0].vlink!.egress).toEqual({ name: 'htb', params: { rate: 100e6 / 8, classes: [{ name: 'ef', rate: 20e6 / 8, ceil: 20e6 / 8, prio: 0 }, { name: 'be', rate: 50e6 / 8, ceil: 100e6 / 8, prio: 1 }] } });
    expect(sc.flows![0].arrival).toEqual({ kind: 'periodic', period: 500_000, offset: 0, jitter: 0 });
    expect(sc.flows![1].arrival).toEqual({ kind: 'onoff', period: 125_000, onNs: 20_000_000, offNs: 80_000_000, offset: 0 });
    expect(sc.flows![1].size).toEqual({ kind: 'uniform', min: 64, max: 1500 });
  });

  it('reads an htb class tree and gives it back serialized', () => {
    const sc = load(net(TREE));
    expect((sc.vmus[0].vlink!.egress.params as { classes: unknown[] }).classes[1]).toEqual({ name: 'ef', rate: 20e6 / 8, ceil: 20e6 / 8, parent: 'rt' });
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'ixb.json', { format: 'json' });
    expect({ ...again, file: sc.file }).toEqual(sc);
  });

  it('serializeScenario gives back the same scenario', () => {
    const sc = load(net());
    const again = parseScenarioText(JSON.stringify(serializeScenario(sc)), 'ixb.json', { format: 'json' });
    expect({ ...again, file: sc.file }).toEqual(sc);
  });

  const cases: [string, string, string, RegExp][] = [
    ['a flow to an unknown VMU', net(undefined, 'snik'), '/flows/0/to', /did you mean "sink"/],
    ['a shaper of rate 0', net('{ qdisc: tbf, rate: 0Mbit/s, burst: 15000 }'), '/vmus/0/network/egress/rate', /bandwidth > 0/],
    ['htb classes whose rates exceed the root', net('{ qdisc: htb, rate: 60Mbit/s, classes: [{ name: ef, rate: 20Mbit/s }, { name: be, rate: 50Mbit/s }] }'), '/vmus/0/network/egress/rate', /sum of its classes/],
    ['a class the sender has not', net(undefined, 'sink', '\n  - { id: x, from: cam, to: sink, rate: 1/s, class: eff }'), '/flows/2/class', /did you mean "ef"/],
    ['a flow to an htb inner class (only leaves hold packets)', net(TREE, 'sink', '\n  - { id: x, from: cam, to: sink, rate: 1/s, class: rt }'), '/flows/2/class', /ef, be/],
    ['an htb parent that is not a class', net(TREE.replace('parent: rt', 'parent: rtt')), '/vmus/0/network/egress/classes/1/parent', /did you mean "rt"/],
    ['an htb inner class whose children\'s rates exceed its own', net(TREE.replace('name: rt, rate: 30Mbit/s', 'name: rt, rate: 10Mbit/s')), '/vmus/0/network/egress/classes/0/rate', /sum of its children's rates/],
    ['an htb child whose ceil is over its parent\'s', net(TREE.replace('name: ef, rate: 20Mbit/s, parent: rt', 'name: ef, rate: 20Mbit/s, ceil: 90Mbit/s, parent: rt')), '/vmus/0/network/egress/classes/1/ceil', /its parent rt's ceil/],
    ['an htb whose last (default) class is inner', net('{ qdisc: htb, rate: 100Mbit/s, classes: [{ name: ef, rate: 20Mbit/s, parent: be }, { name: be, rate: 50Mbit/s }] }'), '/vmus/0/network/egress/classes/1', /a leaf as the last class/],
    ['a tbf bucket smaller than a packet', net('{ qdisc: tbf, rate: 10Mbit/s, burst: 1000 }', 'sink', '', '{ rate: 30Mbit/s, burst: 15000 }').replace(/, class: (ef|be)/g, ''), '/vmus/0/network/egress/burst', /largest packet/],
  ];
  it.each(cases)('%s is one pointed error', (_what, text, pointer, message) => {
    const e = failure(text);
    expect(e.pointer).toBe(pointer);
    expect(e.message).toMatch(message);
  });

  it('hosts with a flow between them need a link', () => {
    const e = failure(net().replace(/links:\n.*\n/, ''));
    expect(e.pointer).toBe('/flows/0/to');
    expect(e.message).toMatch(/joined by a link/);
  });

  it('a re-mark needs a class of the egress discipline', () => {
    const e = failure(net('{ qdisc: tbf, rate: 10Mbit/s, burst: 15000 }').replace(/, class: (ef|be)/g, ''));
    expect(e.pointer).toBe('/vmus/0/network/police/remarkClass');
  });
});
