// `import 'vicinity/dashboard'` defines <vicinity-dashboard>; the class is exported for subclassing.
import { VicinityDashboard } from './VicinityDashboard.js';

export { VicinityDashboard };
export type { DashboardSource } from './VicinityDashboard.js';

/** Defines the element under `name` unless something is defined there already. */
export function defineDashboard(name = 'vicinity-dashboard'): void {
  if (typeof customElements !== 'undefined' && !customElements.get(name))
    customElements.define(name, class extends VicinityDashboard {});
}

defineDashboard();

declare global {
  interface HTMLElementTagNameMap {
    'vicinity-dashboard': VicinityDashboard;
  }
}
