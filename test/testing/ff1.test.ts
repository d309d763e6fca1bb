// FF1 of the structured test client against NIST SP 800-38G's published samples (AES-128 and AES-256, radix 10 and 36).
import { describe, expect, it } from 'vitest';
import { createFf1 } from 'ubiq-idp/testing';

const AES128 = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex');
const AES256 = Buffer.from('2B7E151628AED2A6ABF7158809CF4F3CEF4359D8D580AA4F7F036D6F04FC6A94', 'hex');
const DIGITS = '0123456789';
const BASE36 = '0123456789abcdefghijklmnopqrstuvwxyz';

describe('FF1 (NIST SP 800-38G samples)', () => {
  it.each([
    ['sample 1', AES128, DIGITS, '', '0123456789', '2433477484'],
    ['sample 2', AES128, DIGITS, '39383736353433323130', '0123456789', '6124200773'],
    ['sample 3', AES128, BASE36, '3737373770717273373737', '0123456789abcdefghi', 'a9tv40mll9kdu509eum'],
    ['sample 7', AES256, DIGITS, '', '0123456789', '6657667009'],
    ['sample 9', AES256, BASE36, '3737373770717273373737', '0123456789abcdefghi', 'xs8a0azh2avyalyzuwd'],
  ])('%s encrypts and decrypts', (_name, key, alphabet, tweakHex, plaintext, ciphertext) => {
    const ff1 = createFf1(key, alphabet);
    const tweak = Buffer.from(tweakHex, 'hex');
    expect(ff1.encrypt(plaintext, tweak)).toBe(ciphertext);
    expect(ff1.decrypt(ciphertext, tweak)).toBe(plaintext);
  });
});
