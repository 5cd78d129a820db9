// What a user's strict app writes; compiled against the built package only.
import { VectorIndex, toJSON, type Hit, type DashboardDocument } from 'vicinity';
import 'vicinity/dashboard';
import { VicinityDashboard, defineDashboard } from 'vicinity/dashboard';

export async function app(): Promise<void> {
  const index = await VectorIndex.open('docs', { dimensions: 3 });
  await index.upsert([{ id: 'a', vector: [1, 0, 0], metadata: { genre: 'x' } }]);
  const hits: Hit[] = await index.search([1, 0, 0], { k: 1, filter: { genre: 'x' } });
  const dashboard = document.createElement('vicinity-dashboard');
  dashboard.index = index;
  const same: VicinityDashboard = dashboard;
  const doc: DashboardDocument = toJSON(index);
  defineDashboard('my-dashboard');
  document.body.append(same);
  void [hits, doc];
}
