import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UnencodableJsonError } from '../../shared/model/errors.ts';
import { canonicalJson, canonicalJsonBytes } from '../../shared/model/log/canonical-json.ts';
import { canonicalJson as verifierCanonicalJson } from '../../verifier/canonical-json.ts';

// Inputs and outputs of the RFC 8785 test data (cyberphone/json-canonicalization, testdata/),
// used as data: the JSON texts are parsed as a JSON parser would, then canonicalized.
const VECTORS = [
  {
    input: String.raw`{
  "numbers": [1E30, 4.50, 333333333.33333329, 2e-3, 0.000000000000000000000000001],
  "escaping": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`,
    output: String.raw`{"escaping":"€$\u000f\nA'B\"\\\\\"/","literals":[null,true,false],"numbers":[1e+30,4.5,333333333.3333333,0.002,1e-27]}`,
  },
  {
    input: String.raw`{
  "\u20ac": "Euro Sign",
  "1": "One",
  "\u0080": "Control\u007f",
  "\ud83d\ude02": "Smiley",
  "\u00f6": "Latin Small Letter O With Diaeresis",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "</script>": "Browser Challenge"
}`,
    output:
      '{"1":"One","</script>":"Browser Challenge","\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude02":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}',
  },
];

// RFC 8785 appendix B: IEEE 754 bit patterns and their canonical text.
const NUMBERS: [string, string][] = [
  ['0000000000000000', '0'],
  ['8000000000000000', '0'],
  ['0000000000000001', '5e-324'],
  ['8000000000000001', '-5e-324'],
  ['7fefffffffffffff', '1.7976931348623157e+308'],
  ['4340000000000000', '9007199254740992'],
  ['4430000000000000', '295147905179352830000'],
  ['44b52d02c7e14af6', '1e+23'],
  ['444b1ae4d6e2ef50', '1e+21'],
  ['3eb0c6f7a0b5ed8d', '0.000001'],
  ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
  ['41b3de4355555555', '333333333.3333333'],
  ['c00e000000000000', '-3.75'],
];

describe('RFC 8785 canonical JSON', () => {
  it('matches the published test data', () => {
    for (const v of VECTORS) {
      expect(canonicalJson(JSON.parse(v.input))).toBe(v.output);
      expect(verifierCanonicalJson(JSON.parse(v.input))).toBe(v.output);
    }
    const hex = Buffer.from(canonicalJsonBytes(JSON.parse(VECTORS[0]!.input))).toString('hex');
    expect(hex.startsWith('7b22657363617069')).toBe(true);
    expect(hex).toContain('e282ac245c7530303066'); // "€$\u000f" as UTF-8
  });

  it('writes numbers as ECMAScript does (appendix B)', () => {
    for (const [bits, text] of NUMBERS) {
      const n = Buffer.from(bits, 'hex').readDoubleBE(0);
      expect(canonicalJson(n), bits).toBe(text);
      expect(verifierCanonicalJson(n), bits).toBe(text);
    }
  });

  it('refuses what I-JSON cannot carry, naming where', () => {
    for (const bad of [{ a: [1, '\ud800'] }, { n: Number.NaN }, { i: Infinity }, { u: undefined }, { d: new Date(0) }, { b: 1n }]) {
      expect(() => canonicalJson(bad)).toThrow(UnencodableJsonError);
      expect(() => verifierCanonicalJson(bad)).toThrow();
    }
    expect(() => canonicalJson({ a: [1, '\udc00x'] })).toThrow('$.a[1]');
    expect(canonicalJson({ ok: '\ud83d\ude02' })).toBe('{"ok":"😂"}');
  });

  it('is the same in the model and in the stand-alone verifier, and ignores member order', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = canonicalJson(value);
        expect(verifierCanonicalJson(value)).toBe(text);
        expect(canonicalJson(JSON.parse(text))).toBe(text);
        if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
          const reversed = Object.fromEntries(Object.entries(value).reverse());
          expect(canonicalJson(reversed)).toBe(text);
        }
      }),
      { numRuns: 300 },
    );
  });
});
