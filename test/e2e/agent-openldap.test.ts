import { agentOpenLdapSuite } from './agent-openldap-suite.js';

agentOpenLdapSuite('slapd');
