// An application that depends on the built package, as a user's would.
import { VectorIndex } from 'vicinity';

const out = document.getElementById('result');
try {
  const index = await VectorIndex.open('consumer', { dimensions: 3 });
  await index.upsert([
    { id: 'x', vector: [1, 0, 0] },
    { id: 'y', vector: [0, 1, 0] },
  ]);
  const [hit] = await index.search([0.9, 0.1, 0], { k: 1 });
  const { engine } = await index.stats();
  await index.save();
  await index.close();
  await VectorIndex.delete('consumer');
  out.textContent = `${hit.id} ${engine}`;
} catch (error) {
  out.textContent = `error ${error.code ?? ''} ${error.message}`;
}
