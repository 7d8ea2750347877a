import type { PermissionReport } from './driver.js';

/** SPEC.md's checkPermissions details (name, ok, detail) plus status, required and fix: the command's result and `check-permissions --json` say the same. */
export function permissionReportJson(report: PermissionReport): { directory: string; checks: Record<string, unknown>[] } {
  return {
    directory: report.directory,
    checks: report.checks.map((check) => ({
      name: check.name,
      ok: check.status !== 'MISSING',
      status: check.status,
      required: check.required,
      detail: check.detail,
      ...(check.fix === undefined ? {} : { fix: check.fix }),
    })),
  };
}
