import { agentRecordsScenario } from './agent-records-scenario.js';

// The same on PostgreSQL (a cluster this test starts on a free port).
agentRecordsScenario('postgres');
