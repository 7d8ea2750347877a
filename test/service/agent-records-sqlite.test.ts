import { agentRecordsScenario } from './agent-records-scenario.js';

// Agent directories, `agents remove` and key retirement on the embedded SQLite database.
agentRecordsScenario('sqlite');
