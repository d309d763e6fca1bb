import * as asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';
import type { PkijsModule } from './pkijs-loader.js';

/** OIDs of the X.520 name attributes we write. */
export const NAME_OID = {
  commonName: '2.5.4.3',
  country: '2.5.4.6',
  locality: '2.5.4.7',
  stateOrProvince: '2.5.4.8',
  organization: '2.5.4.10',
  organizationalUnit: '2.5.4.11',
} as const;

/** One name attribute: UTF8String, except countryName, which RFC 5280 requires as PrintableString. */
export function nameAttribute(pkijs: PkijsModule, type: string, value: string): Pkijs.AttributeTypeAndValue {
  const encoded = type === NAME_OID.country ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
  return new pkijs.AttributeTypeAndValue({ type, value: encoded });
}

/**
 * An X.501 Name with one attribute per RDN, in order (`CN=…, C=…, …`), as OpenSSL and the official
 * clients write it. pkijs alone would put every attribute into a single multi-valued RDN
 * (`CN=… + C=… + …`) and write an empty name as one empty RDN; it does reuse the encoding it parsed,
 * so we encode the RDN sequence and let pkijs parse it.
 */
export function buildName(pkijs: PkijsModule, attributes: readonly Pkijs.AttributeTypeAndValue[]): Pkijs.RelativeDistinguishedNames {
  const sequence = new asn1js.Sequence({
    value: attributes.map((attribute) => new asn1js.Set({ value: [attribute.toSchema()] })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER(false));
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '0.9.2342.19200300.100.1.25': 'DC',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

function attributeText(value: Pkijs.AttributeTypeAndValue['value']): string {
  const inner: unknown = value.valueBlock.value;
  return typeof inner === 'string' ? inner : '';
}

/** `CN=…, C=…` from a pkijs name (one entry per attribute, in encoded order); "" for an empty name. */
export function nameToString(name: Pkijs.RelativeDistinguishedNames): string {
  return name.typesAndValues.map((tv) => `${SHORT_NAMES[tv.type] ?? tv.type}=${attributeText(tv.value)}`).join(', ');
}

/** The first commonName of a pkijs name. */
export function commonNameOf(name: Pkijs.RelativeDistinguishedNames): string | undefined {
  const cn = name.typesAndValues.find((tv) => tv.type === NAME_OID.commonName);
  return cn ? attributeText(cn.value) : undefined;
}
