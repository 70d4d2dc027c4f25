// A test model whose host scheduler is one scheduling class holding every entity, admitted through
// the class's typed admission hook (SchedClass.admit).
import type { HostEntity } from '../../src/engine/entities.js';
import type { HypervisorModel } from '../../src/engine/model.js';
import type { PolicyContext, SchedClass } from '../../src/engine/policy.js';

export interface OneClassHarness<C extends SchedClass> {
  model: HypervisorModel;
  /** Set once the host is built. */
  cls?: C;
  ctx?: PolicyContext;
  entities: HostEntity[];
}

export interface OneClassSpec<P, C extends SchedClass<P>> extends Pick<HypervisorModel, 'name' | 'family' | 'summary'> {
  /** Builds the class. */
  create: (ctx: PolicyContext) => C;
  /** The admission parameters of one entity (the class's admit() takes it with them). */
  params: (e: HostEntity) => P;
  /** Called once the host is built and every entity admitted (to arm timers through `ctx`, say). */
  onBuild?: (h: OneClassHarness<C>) => void;
}

export function oneClassModel<P, C extends SchedClass<P>>({ create, params, onBuild, ...meta }: OneClassSpec<P, C>): OneClassHarness<C> {
  const h: OneClassHarness<C> = {
    entities: [],
    model: {
      ...meta,
      build({ entities, ctx }) {
        const cls = create(ctx);
        for (const e of entities) cls.admit(e, params(e));
        h.cls = cls;
        h.ctx = ctx;
        h.entities = entities;
        onBuild?.(h);
        return { classes: [cls], mapping: [], settings: {} };
      },
    },
  };
  return h;
}
