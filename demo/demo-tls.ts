import { KeyObject, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** TLS material for one run of the demo: a CA and a certificate for 127.0.0.1 and localhost, PEM. */
export interface DemoTls {
  caPem: string;
  certPem: string;
  keyPem: string;
}

const ecdsa = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** A year: beyond the agent's certificate-expiry warnings, so the demo's log shows none. */
const VALIDITY_MS = 365 * 86_400_000;

/**
 * Made at run time, so the package ships no private key and the demo needs no openssl (Windows
 * has none). The CA's key cannot be exported and is gone once it has signed.
 */
export async function makeDemoTls(now: Date = new Date()): Promise<DemoTls> {
  const notBefore = new Date(now.getTime() - 60_000);
  const notAfter = new Date(now.getTime() + VALIDITY_MS);
  const caKeys = await webcrypto.subtle.generateKey(ecdsa, false, ['sign', 'verify']);
  const caName = 'CN=writeback-agent demo CA (this run only)';
  const ca = await x509.X509CertificateGenerator.createSelfSigned(
    {
      name: caName,
      notBefore,
      notAfter,
      keys: caKeys,
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    },
    webcrypto,
  );
  const serverKeys = await webcrypto.subtle.generateKey(ecdsa, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.create(
    {
      subject: 'CN=localhost',
      issuer: caName,
      notBefore,
      notAfter,
      publicKey: serverKeys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ecdsa,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
        new x509.SubjectAlternativeNameExtension([
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ]),
        await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
      ],
    },
    webcrypto,
  );
  const keyPem = KeyObject.from(serverKeys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { caPem: ca.toString('pem'), certPem: cert.toString('pem'), keyPem };
}
