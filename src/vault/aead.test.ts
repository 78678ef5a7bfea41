import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthenticationFailed, gcmDecrypt, gcmEncrypt, hkdf, open, seal } from './aead.ts';

const h = (s: string) => Buffer.from(s, 'hex');

// The GCM specification's AES-256 test cases (McGrew & Viega, "The Galois/Counter Mode of Operation",
// test cases 13-16, as used by NIST's GCM validation), run through our wrapper.
const vectors = [
  { name: 'TC13 empty', key: '0'.repeat(64), iv: '0'.repeat(24), p: '', a: '', c: '', t: '530f8afbc74536b9a963b4f1c4cb738b' },
  { name: 'TC14 one block', key: '0'.repeat(64), iv: '0'.repeat(24), p: '0'.repeat(32), a: '', c: 'cea7403d4d606b6e074ec5d3baf39d18', t: 'd0d1c8a799996bf0265b98b5d48ab919' },
  {
    name: 'TC15 four blocks',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    p: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
    a: '',
    c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    t: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    name: 'TC16 with associated data',
    key: 'feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308',
    iv: 'cafebabefacedbaddecaf888',
    p: 'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39',
    a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
    c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    t: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

for (const v of vectors) {
  test(`AES-256-GCM vector ${v.name}`, () => {
    const out = gcmEncrypt(h(v.key), h(v.iv), h(v.p), h(v.a));
    assert.equal(out.ciphertext.toString('hex'), v.c);
    assert.equal(out.tag.toString('hex'), v.t);
    assert.equal(gcmDecrypt(h(v.key), h(v.iv), h(v.c), h(v.t), h(v.a)).toString('hex'), v.p);
  });
}

test('a vector with one tag bit flipped fails', () => {
  const v = vectors[3]!;
  const tag = h(v.t);
  tag[0]! ^= 1;
  assert.throws(() => gcmDecrypt(h(v.key), h(v.iv), h(v.c), tag, h(v.a)), AuthenticationFailed);
});

test('seal/open: random IV per call, associated data bound', () => {
  const key = Buffer.alloc(32, 7);
  const a = seal(key, Buffer.from('山田 太郎'), Buffer.from('ctx'));
  const b = seal(key, Buffer.from('山田 太郎'), Buffer.from('ctx'));
  assert.notDeepEqual(a, b);
  assert.equal(open(key, a, Buffer.from('ctx')).toString(), '山田 太郎');
  assert.throws(() => open(key, a, Buffer.from('other')), AuthenticationFailed);
  assert.throws(() => open(Buffer.alloc(32, 8), a, Buffer.from('ctx')), AuthenticationFailed);
});

test('HKDF-SHA256: RFC 5869 test case 3, and distinct labels give distinct keys', () => {
  // RFC 5869 A.3: IKM = 22 bytes of 0x0b, no salt, no info, L = 42 (A.1/A.2 use non-UTF-8 info bytes).
  const okm = hkdf(Buffer.alloc(22, 0x0b), '', 42);
  assert.equal(okm.toString('hex'), '8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8');
  assert.notDeepEqual(hkdf(Buffer.alloc(32, 1), 'a'), hkdf(Buffer.alloc(32, 1), 'b'));
});
