// ubiq-idp/server: the reference implementation of Ubiq's side of the IdP integration.
export {};
