// Storage device models by name: each gives the device server its service model and how many
// requests it serves at once (io-qos.md §1.9). One line per model.

import type { ServiceModel } from '../device.js';
import type { Rng } from '../rng.js';
import { HddModel, type HddParams } from './hdd.js';
import { SsdModel, type SsdParams } from './ssd.js';

export interface StorageDevice {
  readonly units: number;
  readonly model: ServiceModel;
  /** Mean time one unit spends on a request of this shape (for admission: Σ r·time ≤ units). */
  meanServiceNs(bytes: number, write: boolean, sequential: boolean): number;
}

export const STORAGE_DEVICES = {
  hdd: {
    summary: '7.2k rpm SATA disk: √-distance seek, rotational latency, transfer; one arm; optional command queue (NCQ) served shortest positioning time first',
    create: (params: Record<string, unknown>, rng: Rng): StorageDevice => {
      const model = new HddModel(params as HddParams, rng);
      return { units: 1, model, meanServiceNs: (bytes, _write, sequential) => model.meanServiceNs(bytes, sequential) };
    },
  },
  ssd: {
    summary: 'flash: per-request op latency (reads faster than writes) plus transfer, on parallel units',
    create: (params: Record<string, unknown>): StorageDevice => {
      const model = new SsdModel(params as SsdParams);
      return { units: model.units, model, meanServiceNs: (bytes, write) => model.meanServiceNs(bytes, write) };
    },
  },
} as const;

export type StorageDeviceName = keyof typeof STORAGE_DEVICES;
