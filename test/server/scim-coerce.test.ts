// coerceResource (what a POST/PUT body becomes when stored): the paths its refusals name, extension keys
// in any case, what is dropped, and the one-primary rule. Unit level: the socket suites check the status
// and scimType, not these messages.
import { describe, expect, it } from 'vitest';
import { coerceResource } from '../../src/server/scim/coerce.js';
import { ENTERPRISE_SCHEMA, USER_SCHEMA, userType } from '../../src/server/scim/schema.js';

const refusal = (body: Record<string, unknown>): string => {
  try {
    coerceResource(userType, body);
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('coerceResource', () => {
  it('names the element and sub-attribute that is wrong', () => {
    expect(refusal({ emails: [{ value: 'a@example.com' }, 'b@example.com', 7] })).toBe('Attribute "emails[2]" must be an object.');
    expect(refusal({ emails: [{ value: 'a@example.com' }, { value: 5 }] })).toBe('Attribute "emails[1].value" must be a string.');
    expect(refusal({ emails: [null, { value: 'a@example.com', primary: 'maybe' }] })).toBe('Attribute "emails[1].primary" must be a boolean (true or false).');
    expect(refusal({ name: { givenName: ['a', 'b'] } })).toBe('Attribute "name.givenName" is single-valued but got an array.');
    expect(refusal({ [ENTERPRISE_SCHEMA.toUpperCase()]: { employeeNumber: 7 } })).toBe(`Attribute "${ENTERPRISE_SCHEMA}:employeeNumber" must be a string.`);
    expect(refusal({ [ENTERPRISE_SCHEMA]: 'x' })).toBe(`Attribute "${ENTERPRISE_SCHEMA}" must be an object.`);
    expect(refusal({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: 'TRUE' }] })).toBe('Attribute "emails" has 2 values marked primary; at most one may be.');
  });

  it('stores canonical names, the extension under its URN in any case, and drops what is not stored', () => {
    const stored = coerceResource(userType, {
      schemas: [USER_SCHEMA],
      id: 'client-id',
      META: {},
      USERNAME: 'kate@example.com',
      externalid: '00u1',
      name: { GIVENNAME: 'Kate', familyName: null, formatted: undefined },
      emails: [{ value: 'kate@example.com', VALUE: 'second@example.com', primary: 'True' }, {}, null],
      phoneNumbers: { value: '+1 555' },
      nickName: ['Kat'],
      groups: [{ value: 'g' }],
      password: 'secret',
      unknownAttribute: 'x',
      [ENTERPRISE_SCHEMA.toLowerCase()]: { department: 'R&D', manager: 'm-1', unknown: 'x' },
      active: 'false',
    });
    expect(stored).toEqual({
      userName: 'kate@example.com',
      externalId: '00u1',
      name: { givenName: 'Kate' },
      emails: [{ value: 'second@example.com', primary: true }],
      phoneNumbers: [{ value: '+1 555' }],
      nickName: 'Kat',
      [ENTERPRISE_SCHEMA]: { department: 'R&D', manager: { value: 'm-1' } },
      active: false,
    });
    expect(Object.keys(coerceResource(userType, { name: { formatted: null }, [ENTERPRISE_SCHEMA]: { unknown: 1 } }))).toEqual([]);
  });
});
