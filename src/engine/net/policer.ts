// Ingress policing per VMU (io-qos.md §2.1: "the same bucket, but non-conforming packets are
// dropped or re-marked rather than delayed"; an IXB polices at ingress per VM). A packet conforms
// when the bucket holds its length; a conforming packet takes its tokens, a non-conforming one takes
// none (Linux act_police: the bucket is charged only for what passes).

import { TokenBucket } from '../qdiscs/token-bucket.js';
import type { Ns } from '../system.js';

export class Policer {
  private readonly bucket: TokenBucket;

  constructor(rateBytesPerSec: number, burstBytes: number) {
    this.bucket = new TokenBucket(rateBytesPerSec, burstBytes);
  }

  /** Whether a packet of `bytes` arriving at `now` conforms (and if so, charge it). */
  conforms(bytes: number, now: Ns): boolean {
    if (!this.bucket.holds(bytes, now)) return false;
    this.bucket.take(bytes, now);
    return true;
  }
}
