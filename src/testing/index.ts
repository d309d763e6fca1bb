// ubiq-idp/testing: Okta and Entra emulators and the IdPs' provisioning agents.
export {};
