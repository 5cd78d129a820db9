// An application that depends on the built package, as a user's would.
import { VectorIndex } from 'vicinity';
import 'vicinity/dashboard';

const out = document.getElementById('result');
try {
  const index = await VectorIndex.open('consumer', { dimensions: 3 });
  await index.upsert([
    { id: 'x', vector: [1, 0, 0] },
    { id: 'y', vector: [0, 1, 0] },
  ]);
  const [hit] = await index.search([0.9, 0.1, 0], { k: 1 });
  const { engine } = await index.stats();
  // The dashboard, styled by its own sheet (a strict CSP allows no inline <style>).
  const dashboard = document.createElement('vicinity-dashboard');
  dashboard.index = index;
  document.body.append(dashboard);
  const tiles = getComputedStyle(dashboard.shadowRoot.querySelector('.tiles')).display;
  const title = dashboard.shadowRoot.querySelector('h2').textContent;
  const chart = dashboard.shadowRoot.querySelector('canvas') ? 'chart' : 'no chart';
  await index.save();
  await index.close();
  await VectorIndex.delete('consumer');
  out.textContent = `${hit.id} ${engine} | ${title} ${tiles} ${chart}`;
} catch (error) {
  out.textContent = `error ${error.code ?? ''} ${error.message}`;
}
