import type { RoleSources } from '../events/roles.ts';
import type { ConsentStore } from '../store/consent-store.ts';
import type { Clock, EventPublisher, IdGenerator } from './ports.ts';

/** Deployment settings the domain needs. */
export interface Settings {
  sources: RoleSources;
  /** Time from `Takedown Requested` to its `deadline`. */
  takedownSlaSeconds: number;
}

/** Everything a use case touches, passed in (ports and adapters). */
export interface Deps {
  store: ConsentStore;
  publisher: EventPublisher;
  clock: Clock;
  ids: IdGenerator;
  settings: Settings;
}
