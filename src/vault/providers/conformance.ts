import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { VaultError } from '../errors.ts';
import type { KeyProvider } from './types.ts';

/**
 * What every KeyProvider must do; run it from a test for each implementation:
 * wrap/unwrap round trip, associated data bound, a changed wrap rejected as wrong_key/tampered, ids stable and
 * listed, rotation keeps old versions usable until retired.
 */
export async function providerConformance(make: () => Promise<KeyProvider>): Promise<void> {
  const p = await make();
  const dek = randomBytes(32);
  const aad = Buffer.from('["omamori-dek-v1","t",1,"data"]');
  const current = await p.currentKekId();
  assert.ok(current.length > 0 && !current.includes('.'), 'kek id is a non-empty token');
  assert.ok((await p.availableKekIds()).includes(current), 'current kek is available');
  const w = await p.wrap(dek, aad);
  assert.equal(w.kekId, current);
  assert.ok(!w.wrapped.includes(dek.toString('base64')) && !w.wrapped.includes(dek.toString('hex')), 'wrapped key does not contain the key');
  assert.deepEqual(await p.unwrap(w.kekId, w.wrapped, aad), dek);
  const w2 = await p.wrap(dek, aad);
  assert.notEqual(w2.wrapped, w.wrapped, 'wrapping is randomized');
  await assert.rejects(p.unwrap(w.kekId, w.wrapped, Buffer.from('["omamori-dek-v1","other",1,"data"]')), (e: unknown) => e instanceof VaultError && (e.code === 'wrong_key' || e.code === 'tampered'));
  const again = await make();
  assert.equal(await again.currentKekId(), current, 'the same configuration gives the same kek id');
  assert.deepEqual(await again.unwrap(w.kekId, w.wrapped, aad), dek);
  // rotation: a new current version, the old one still unwraps until retired
  let rotated: string | null = null;
  try {
    rotated = await p.rotate();
  } catch (err) {
    assert.ok(err instanceof VaultError && err.code === 'provider', 'a provider that cannot rotate says how to');
  }
  if (rotated) {
    assert.notEqual(rotated, current);
    assert.equal(await p.currentKekId(), rotated);
    assert.deepEqual(await p.unwrap(w.kekId, w.wrapped, aad), dek);
    const w3 = await p.wrap(dek, aad);
    assert.equal(w3.kekId, rotated);
    await p.retire(current);
    assert.ok(!(await p.availableKekIds()).includes(current));
    await assert.rejects(p.unwrap(w.kekId, w.wrapped, aad), VaultError);
    assert.deepEqual(await p.unwrap(w3.kekId, w3.wrapped, aad), dek);
  }
}
