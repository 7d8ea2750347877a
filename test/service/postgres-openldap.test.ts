import { openLdapScenario } from './openldap-scenario.js';

// The same scenario with the node on PostgreSQL (a cluster this test starts on a free port).
openLdapScenario('postgres');
