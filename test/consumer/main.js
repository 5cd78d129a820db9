// An application that depends on the built package, as a user's would.
// ?engine= picks the engine (default: auto); ?dashboard=off leaves the
// dashboard out, for counting what the index alone costs a first visit.
import { VectorIndex } from 'vicinity';

const out = document.getElementById('result');
const params = new URLSearchParams(location.search);
try {
  const index = await VectorIndex.open('consumer', {
    dimensions: 3,
    engine: params.get('engine') ?? 'auto',
  });
  await index.upsert([
    { id: 'x', vector: [1, 0, 0] },
    { id: 'y', vector: [0, 1, 0] },
  ]);
  const [hit] = await index.search([0.9, 0.1, 0], { k: 1 });
  const { engine } = await index.stats();
  let shown = 'no dashboard';
  if (params.get('dashboard') !== 'off') {
    await import('vicinity/dashboard');
    // The dashboard, styled by its own sheet (a strict CSP allows no inline <style>).
    const dashboard = document.createElement('vicinity-dashboard');
    dashboard.index = index;
    document.body.append(dashboard);
    const tiles = getComputedStyle(dashboard.shadowRoot.querySelector('.tiles')).display;
    const title = dashboard.shadowRoot.querySelector('h2').textContent;
    const chart = dashboard.shadowRoot.querySelector('canvas') ? 'chart' : 'no chart';
    shown = `${title} ${tiles} ${chart}`;
  }
  await index.save();
  await index.close();
  await VectorIndex.delete('consumer');
  out.textContent = `${hit.id} ${engine} | ${shown}`;
} catch (error) {
  out.textContent = `error ${error.code ?? ''} ${error.message}`;
}
