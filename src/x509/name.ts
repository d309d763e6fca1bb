import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

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
export function nameAttribute(type: string, value: string): pkijs.AttributeTypeAndValue {
  const encoded = type === NAME_OID.country ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value });
  return new pkijs.AttributeTypeAndValue({ type, value: encoded });
}

/**
 * An X.501 Name with one attribute per RDN, in order (`CN=…, C=…, …`), as OpenSSL and the official
 * clients write it. pkijs alone would put every attribute into a single multi-valued RDN
 * (`CN=… + C=… + …`) and write an empty name as one empty RDN; it does reuse the encoding it parsed,
 * so we encode the RDN sequence and let pkijs parse it.
 */
export function buildName(attributes: readonly pkijs.AttributeTypeAndValue[]): pkijs.RelativeDistinguishedNames {
  const sequence = new asn1js.Sequence({
    value: attributes.map((attribute) => new asn1js.Set({ value: [attribute.toSchema()] })),
  });
  return pkijs.RelativeDistinguishedNames.fromBER(sequence.toBER(false));
}
