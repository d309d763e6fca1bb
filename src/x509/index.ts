// X.509 helpers shared by the reference server's CA and the credential provider. Internal: not
// re-exported from the package entry; import by path.
export { createCertificateAuthority, type CertificateAuthority, type CertificateAuthorityOptions, type IssueCertificateOptions } from './ca.js';
export { parseCertificateDer, parseCertificatePem, payloadCertToPem, publicKeysEqual, type ParsedCertificate } from './certificate.js';
export { verifyCsrPem, type VerifiedCsr, type VerifyCsrOptions } from './csr-verify.js';
export {
  CertificateAuthorityError,
  CertificateError,
  CsrError,
  isCertificateAuthorityError,
  isCertificateError,
  isCsrError,
  type CertificateAuthorityErrorCode,
  type CertificateErrorCode,
  type CsrErrorCode,
} from './errors.js';
