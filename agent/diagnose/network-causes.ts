/**
 * What `writeback-agent diagnose` checks and every fault it can name, with the fix an admin applies.
 * The running agent uses the same causes for its log line and `status` after a failed connect.
 * Each cause has a row in docs/troubleshooting.md (test/packaging/docs.test.ts checks it).
 */
export const Diagnosis = {
  /** The steps, in the order each path is walked; a FAIL stops the steps that depend on it. */
  steps: {
    service: ['resolve', 'proxy', 'tcp', 'tls', 'hostname', 'expiry', 'upgrade', 'subprotocol', 'challenge', 'clock'],
    directory: ['resolve', 'tcp', 'tls', 'hostname', 'expiry', 'bind', 'rootDse', 'signing', 'channelBinding'],
  },
  /**
   * What the root DSE must offer, per kind (keys of Oid); `requiredBy` names the config key that makes
   * it required. slapd honours the No-Op control without listing it, so it is not looked for.
   */
  reliedOn: {
    activeDirectory: [
      { name: 'policy hints', kind: 'control', oids: ['policyHints', 'policyHintsDeprecated'], use: 'password history on resets', requiredBy: 'historyOnReset' },
      { name: 'SD flags', kind: 'control', oids: ['sdFlags'], use: 'check-permissions reads the DACLs', requiredBy: null },
    ],
    openldap: [
      { name: 'Password Modify', kind: 'extension', oids: ['passwordModify'], use: 'password writes', requiredBy: 'passwordMethod' },
      { name: 'password policy', kind: 'control', oids: ['passwordPolicyRequest'], use: 'the reason of a policy refusal (ppolicy)', requiredBy: null },
      { name: 'Who Am I', kind: 'extension', oids: ['whoAmI'], use: 'check-permissions names the bound identity', requiredBy: null },
    ],
  },
  causes: {
    NAME_NOT_RESOLVED: {
      step: 'resolve',
      label: 'the host name does not resolve',
      fix: "check the host name in the URL and this machine's DNS servers (/etc/resolv.conf, or the network adapter on Windows)",
    },
    PROXY_UNREACHABLE: {
      step: 'proxy',
      label: 'the proxy does not answer',
      fix: "check the proxy URL (service.proxy or HTTPS_PROXY) and that this machine may reach the proxy's port",
    },
    PROXY_AUTH_REQUIRED: {
      step: 'proxy',
      label: 'proxy requires authentication',
      fix: 'put the proxy account in service.proxy (http://user:password@proxy:port) or have the proxy allow this machine without authentication (docs/network.md)',
    },
    PROXY_REFUSED: {
      step: 'proxy',
      label: 'the proxy refused the tunnel',
      fix: "have the proxy allow CONNECT to the service's host and port (a rule for the host, or for port 443)",
    },
    CONNECTION_REFUSED: {
      step: 'tcp',
      label: 'connection refused',
      fix: 'check the port in the URL and that the server runs; a firewall may reject the connection',
    },
    CONNECTION_TIMEOUT: {
      step: 'tcp',
      label: 'no answer (a firewall may drop the packets)',
      fix: 'allow the outbound connection to this host and port in every firewall on the way (docs/network.md)',
    },
    CONNECTION_FAILED: {
      step: 'tcp',
      label: 'the connection failed',
      fix: "check the route to the host (a VPN, a firewall, the host's own address) and the port in the URL",
    },
    TLS_INSPECTION: {
      step: 'tls',
      label: 'TLS inspection suspected',
      fix: 'the chain ends at a CA the agent was not told to trust, as when a TLS-inspecting proxy or firewall replaces the certificate: exempt {host} from TLS inspection; if the issuer is your own CA, name it in the caFile of this connection instead',
    },
    TLS_FAILED: {
      step: 'tls',
      label: 'the TLS handshake failed',
      fix: 'the server or something on the way broke the handshake: check that the port speaks TLS (ldaps:// on 636, wss:// on 443) and that TLS 1.2 or later is offered',
    },
    NAME_MISMATCH: {
      step: 'hostname',
      label: 'the certificate is not for this host name',
      fix: 'use the host name the certificate names in the URL, or have the certificate reissued with this name in its subject alternative names',
    },
    CERT_EXPIRED: {
      step: 'expiry',
      label: 'the certificate expired',
      fix: "renew the server's certificate (for a directory: the domain controller's or slapd's LDAPS certificate)",
    },
    CERT_NOT_YET_VALID: {
      step: 'expiry',
      label: 'the certificate is not valid yet',
      fix: "check this machine's clock (NTP); if the clock is right, the certificate was issued with a future start date",
    },
    CERT_EXPIRES_SOON: {
      step: 'expiry',
      label: 'the certificate expires soon',
      fix: 'renew the certificate before it expires',
    },
    NOT_WEBSOCKET: {
      step: 'upgrade',
      label: 'an HTTP answer instead of a WebSocket upgrade',
      fix: "something on the way answers for the service (a proxy's error page, a captive portal, a load balancer without WebSocket support): check service.url and let WebSocket upgrades through to the service",
    },
    SUBPROTOCOL_REFUSED: {
      step: 'subprotocol',
      label: "the service did not accept the agent's subprotocol",
      fix: "check that service.url points at the reset service's agent endpoint (…/agent/v1) and that the service is not older than this agent",
    },
    NO_CHALLENGE: {
      step: 'challenge',
      label: 'no challenge from the service',
      fix: "the endpoint accepted the WebSocket but does not speak the agent protocol: check service.url, or look at the service's health",
    },
    CLOCK_SKEW: {
      step: 'clock',
      label: "this machine's clock differs from the service's",
      fix: "synchronise this machine's clock (NTP; on Windows the domain's time service): commands will be refused as expired or issued in the future",
    },
    CLOCK_UNKNOWN: {
      step: 'clock',
      label: 'the service did not tell its time',
      fix: "nothing to do if the host's clock is synchronised; the running agent compares the clocks at every connect",
    },
    BIND_REFUSED: {
      step: 'bind',
      label: 'the directory refused the bind',
      fix: 'fix bindDn or bindPassword (then run check-permissions); AD sub-codes: 52e wrong password, 533 disabled, 775 locked, 532/773 password expired or must change',
    },
    SECRET_UNAVAILABLE: {
      step: 'bind',
      label: 'the bind password could not be read',
      fix: 'set the environment variable, file or stored secret that bindPassword names',
    },
    ROOT_DSE_UNREADABLE: {
      step: 'rootDse',
      label: 'the root DSE could not be read',
      fix: "allow the agent's account to read the root DSE (it is readable by default on AD and slapd)",
    },
    WRONG_DIRECTORY_KIND: {
      step: 'rootDse',
      label: 'the server is not the kind of directory configured',
      fix: "set the directory's kind to what the server is (activeDirectory or openldap), or point urls at the right server",
    },
    CONTROL_MISSING: {
      step: 'rootDse',
      label: 'the server lacks a control or extended operation the agent uses',
      fix: 'AD: a Windows Server 2012 or later DC for history on resets, or historyOnReset "bestEffort"; OpenLDAP: load the ppolicy overlay (and set passwordMethod "replace" when the Password Modify operation is off)',
    },
    SIGNING_REQUIRED: {
      step: 'signing',
      label: 'the DC demands LDAP signing the connection does not give',
      fix: 'keep tls.startTls true (TLS satisfies the signing requirement) or use ldaps:// on port 636; the agent never binds over plain LDAP',
    },
    CHANNEL_BINDING_REQUIRED: {
      step: 'channelBinding',
      label: 'the DC demands channel binding',
      fix: 'the agent binds with a simple bind inside TLS, which channel binding does not cover; if the DC still refuses, use ldaps:// and check LdapEnforceChannelBinding on the DCs',
    },
    TIMEOUT: {
      step: 'tcp',
      label: 'no answer in time',
      fix: "the server or a proxy on the way holds the connection without answering: check the server's health and any proxy or firewall that inspects traffic",
    },
  },
} as const;

export type DiagnosePath = keyof typeof Diagnosis.steps;
export type ServiceStep = (typeof Diagnosis.steps.service)[number];
export type DirectoryStep = (typeof Diagnosis.steps.directory)[number];
export type DiagnoseStep = ServiceStep | DirectoryStep;
export type NetworkCause = keyof typeof Diagnosis.causes;

export type StepStatus = 'OK' | 'WARN' | 'FAIL' | 'SKIPPED';

/** One line of the report: a step of one path to one URL. */
export interface StepResult {
  path: DiagnosePath;
  /** The service URL, or the directory URL. */
  target: string;
  /** The directory's id; absent for the service. */
  directory?: string;
  step: DiagnoseStep;
  status: StepStatus;
  /** What was found (no secret, no raw server text beyond a status or a code). */
  detail: string;
  cause?: NetworkCause;
  fix?: string;
}

/** The fix of a cause, from the table, with `{host}` filled in when the host is known. */
export function fixFor(cause: NetworkCause, host?: string): string {
  return Diagnosis.causes[cause].fix.replace('{host}', host ?? 'the host');
}
