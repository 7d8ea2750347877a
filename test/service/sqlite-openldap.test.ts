import { openLdapScenario } from './openldap-scenario.js';

// The service on its embedded SQLite database (the default: nothing to install).
openLdapScenario('sqlite');
