import type { Command } from './command.js';
import { COMMON_HELP } from './command.js';
import { checkLocalSetup } from './doctor-files.js';
import { checkLogin } from './doctor-login.js';
import { checkInteractiveGrant } from './doctor-grant.js';
import { checkDiscovery, checkReachability } from './doctor-network.js';
import { createDoctorReport } from './doctor-report.js';
import { EXIT } from './exit-codes.js';
import { keySizeFrom, loadOptionsFrom, SETTINGS_HELP, SETTINGS_OPTIONS } from './settings-options.js';

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check the whole setup, one line per check, with the fix for each problem',
  options: { ...SETTINGS_OPTIONS, offline: { type: 'boolean' } },
  help: `Usage: ubiq-idp doctor [--profile P] [options]

Checks everything a failed setup needs checked, one line each (✓ ok, ✗ problem, ! warning) with the
fix and the setup step of the Okta / Entra integration documents that it belongs to:
  Files        which files were read and from where, their permissions, the idp block's dialect
  Environment  UBIQ_* variables that override the files
  Settings     every field, where its value came from, or what is wrong with it
  Network      DNS, TCP and TLS to the token endpoint and the Ubiq server
  IdP          the discovery document and its issuer
  Sign-in      a real sign-in (password grant) and SSO exchange, with the typed error's hint
Secrets are never printed. Exit code 0 when every check passed, 1 otherwise.

Options:
${SETTINGS_HELP}
      --offline          only the local checks (files, environment, settings)
${COMMON_HELP}

Examples:
  ubiq-idp doctor --profile idp
  ubiq-idp doctor --json | jq '.checks[] | select(.status == "fail")'
`,
  async run({ io, values, json, ui, writeJson }) {
    const modulusLength = keySizeFrom(values);
    const report = createDoctorReport(ui, json);
    const load = loadOptionsFrom(values, io);
    const config = await checkLocalSetup(report, { ...load, env: io.env, homeDir: io.homeDir });
    if (config !== undefined && values.offline !== true) {
      report.section('Network');
      const targets = config.kind === 'idp' ? [{ label: 'token endpoint', url: config.idp.tokenEndpointUrl }, { label: 'Ubiq server', url: config.server }] : [{ label: 'Ubiq server', url: config.server }];
      const reachable: Record<string, boolean> = {};
      for (const target of targets) reachable[target.label] = await checkReachability(report, target.label, target.url, io.signal, io.env);
      // Behind a proxy, direct DNS/TCP may fail while requests through HTTPS_PROXY work: try anyway.
      const viaProxy = (io.env.HTTPS_PROXY ?? io.env.https_proxy ?? '') !== '';
      if (viaProxy && !reachable['token endpoint']) {
        report.add({ status: 'info', title: 'HTTPS_PROXY is set: trying discovery and sign-in through the proxy anyway' });
        reachable['token endpoint'] = true;
      }
      if (config.kind === 'idp') {
        report.section('IdP');
        if (reachable['token endpoint']) await checkDiscovery(report, config.idp, io.signal);
        else report.add({ status: 'skip', title: 'discovery document not checked: the token endpoint is unreachable' });
        report.section('Sign-in');
        if (reachable['token endpoint'] && (config.idp.grant ?? 'password') !== 'password') {
          // A device or browser sign-in needs a person: check the grant against the IdP instead of signing in.
          await checkInteractiveGrant(report, config, io.signal);
        } else if (reachable['token endpoint']) {
          await checkLogin(report, config, { allowInsecureHttp: config.allowInsecureHttp, signal: io.signal, modulusLength });
        } else {
          report.add({ status: 'skip', title: 'sign-in not attempted: the token endpoint is unreachable' });
        }
      }
    } else if (config === undefined && values.offline !== true) {
      report.section('Network');
      report.add({ status: 'skip', title: 'network and sign-in not checked: fix the settings above first' });
    }
    const failed = report.checks.filter((c) => c.status === 'fail').length;
    const warned = report.checks.filter((c) => c.status === 'warn').length;
    if (json) {
      writeJson({ ok: failed === 0, failed, warnings: warned, checks: report.checks });
    } else {
      ui.line();
      if (failed === 0) ui.mark('ok', ui.styles.bold(`All checks passed${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.`));
      else ui.mark('fail', ui.styles.bold(`${failed} check${failed === 1 ? '' : 's'} failed${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}: fix the ✗ lines above, top first.`));
    }
    return failed === 0 ? EXIT.ok : EXIT.failure;
  },
};
