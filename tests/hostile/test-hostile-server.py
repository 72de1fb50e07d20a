#!/usr/bin/env python3
"""A hostile server in front of the simulator.

A small proxy forwards onboarder-cli's requests to the simulator, except
for one chosen request kind, which it answers with one hostile answer.
For every kind the product makes and every answer below, `check` or
`provision` runs through it, and the test asserts:

- no crash (no signal, no abort) and no hang past the configured timeouts;
- a worded error (or success, where the answer carries nothing the product
  needs), with a stable reason;
- the job's state in the journal: queued for a transient trouble, failed
  for a permanent one, never running;
- no request at all to the other host of a redirect, so no credential.

Request kinds, and the command that drives each:

    kind                      driven by
    tts.auth_info             check
    tts.is.application        check
    tts.frequency_plans       check
    tts.is.create             provision
    tts.js.set                provision
    tts.ns.set                provision
    tts.as.set                provision
    blynk.token               check
    blynk.template_list       check
    blynk.template_metafields check
    blynk.device_create       provision
    blynk.search              provision
    blynk.metafield_set       provision

Every case must pass: a job left `running` after `provision --timeout`
is a failure like any other.

The JS, NS and AS writes, which go out together once the IS record exists,
are corrupted together in one run; every other kind is run alone, since
the first corrupted answer stops the chain after it (and `check`'s first
requests share a connection that a silent answer holds up).

Environment: ONB_SIMULATOR (the simulator script), ONBOARDER_CLI. Runs
the cases in parallel to stay within about a minute.
"""

import concurrent.futures
import gzip
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

# [cloud] timeout_ms and connect_timeout_ms. Only a silent or dripping
# answer needs the product's timeout to end it: those cases get a short one,
# yet long enough for the healthy requests before the hostile one on a
# loaded sanitizer build. Every other answer comes at once, so their cases
# get one no healthy request ever reaches, and a hang shows as too long.
WAITING_FAULTS = {'silence', 'slow-drip'}
WAIT_TIMEOUT_MS = 3000
CALM_TIMEOUT_MS = 30000
# provision --timeout: a transient answer is retried until it runs out, so
# the chain before the hostile request must fit in it; any other job ends
# by itself, and the bound below catches one that does not.
RETRY_WINDOW_S = 8
ENDS_BY_ITSELF_S = 60
SLACK_S = 25              # process start, retries, a loaded machine

APP = r'warehouse-sensors'
KINDS = [
    # kind, method, path pattern, driven by
    ('tts.auth_info', 'GET', r'/api/v3/auth_info', 'check'),
    ('tts.is.application', 'GET', r'/api/v3/applications/%s' % APP, 'check'),
    ('tts.frequency_plans', 'GET', r'/api/v3/configuration/frequency-plans', 'check'),
    ('tts.is.create', 'POST', r'/api/v3/applications/%s/devices' % APP, 'provision'),
    ('tts.js.set', 'PUT', r'/api/v3/js/applications/%s/devices/[^/]+' % APP, 'provision'),
    ('tts.ns.set', 'PUT', r'/api/v3/ns/applications/%s/devices/[^/]+' % APP, 'provision'),
    ('tts.as.set', 'PUT', r'/api/v3/as/applications/%s/devices/[^/]+' % APP, 'provision'),
    ('blynk.token', 'POST', r'/oauth2/token', 'check'),
    ('blynk.template_list', 'GET', r'/api/v1/organization/templates', 'check'),
    ('blynk.template_metafields', 'GET', r'/api/v1/organization/template/metafields', 'check'),
    ('blynk.device_create', 'POST', r'/api/v1/organization/device/create', 'provision'),
    ('blynk.search', 'GET', r'/api/v1/organization/search/devices', 'provision'),
    ('blynk.metafield_set', 'POST', r'/api/v1/organization/device/metafield', 'provision'),
]

# Kinds corrupted in the same run: requests that go out together.
GROUPS = [
    ('tts.auth_info',),
    ('tts.is.application',),
    ('tts.frequency_plans',),
    ('tts.is.create',),
    ('tts.js.set', 'tts.ns.set', 'tts.as.set'),
    ('blynk.token',),
    ('blynk.template_list',),
    ('blynk.template_metafields',),
    ('blynk.device_create',),
    ('blynk.search',),
    ('blynk.metafield_set',),
]

# fault: the expected job state when the product cannot go on (None: the
# fault may also be harmless, e.g. a wrong type in a field never read).
# "queued" means queued or waiting (queued with a retry time).
FAULTS = {
    'html-200': 'failed',
    'html-502': 'queued',
    'html-503': 'queued',
    'empty-500': 'queued',
    'invalid-json': 'failed',
    'wrong-type-0': 'failed',
    'wrong-type-1': None,
    'wrong-type-2': None,
    'wrong-type-3': None,
    'huge-body': 'failed',
    'gzip-bomb': 'failed',
    'silence': 'queued',
    'slow-drip': 'queued',
    'redirect': 'failed',
}

# Writes whose documented answer is 204 without a body: nothing in a wrong
# body can matter.
BODY_NOT_READ = {'blynk.metafield_set'}

TRANSIENT_REASONS = {'server-error', 'timeout', 'connection-reset', 'connection-refused',
                     'network-down', 'rate-limited', 'tls-failed'}

SECRETS = [
    'NNSXS.SIMFULLRIGHTSKEY00000000.SIMULATORSECRETFULLRIGHTS0000000000000000000000000001',
    'SimulatorClientSecret0000000001',
    '2B7E151628AED2A6ABF7158809CF4F3C',
]

HUGE = b'{"a":"' + b'x' * (9 * 1024 * 1024) + b'"}'
BOMB = gzip.compress(b'\0' * (64 * 1024 * 1024), 9)


def wrong_type(value):
    if isinstance(value, bool):
        return 'true'
    if isinstance(value, (int, float)):
        return 'not a number'
    if isinstance(value, str):
        return 12345
    if isinstance(value, list):
        return {'0': value[:1]}
    if isinstance(value, dict):
        return [value] if value else 'object'
    return {}


def mutate(value, depth):
    """Every value at @depth (0: the answer itself) of another JSON type."""
    if depth == 0:
        return wrong_type(value)
    if isinstance(value, dict):
        return {k: mutate(v, depth - 1) for k, v in value.items()}
    if isinstance(value, list):
        return [mutate(v, depth - 1) for v in value]
    return value


class Stranger(http.server.BaseHTTPRequestHandler):
    """The other host of a redirect (one per case): records whatever
    reaches it."""

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        self.server.seen.append({'path': self.path, 'headers': dict(self.headers),
                                 'body': body.decode(errors='replace')})
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', '2')
        self.end_headers()
        self.wfile.write(b'{}')

    do_GET = do_POST = do_PUT = do_DELETE = handle_any

    def log_message(self, *args):
        pass


class Proxy(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def kind_of(self):
        path = self.path.split('?', 1)[0]
        for kind, method, pattern, _ in KINDS:
            if method == self.command and re.fullmatch(pattern, path):
                return kind
        return None

    def answer(self, status, body, content_type='application/json', extra=()):
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def forward(self, body):
        upstream = http.client.HTTPConnection('127.0.0.1', self.server.sim_port, timeout=10)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ('host', 'accept-encoding')}
        upstream.request(self.command, self.path, body=body or None, headers=headers)
        response = upstream.getresponse()
        data = response.read()
        upstream.close()
        return response.status, response.getheader('Content-Type') or 'application/json', data

    def handle_any(self):
        length = int(self.headers.get('Content-Length') or 0)
        body = self.rfile.read(length) if length else b''
        kind = self.kind_of()
        fault = self.server.fault if kind in self.server.kinds else None
        if fault is not None:
            self.server.hits.add(kind)

        if fault is None:
            status, content_type, data = self.forward(body)
            self.answer(status, data, content_type)
        elif fault == 'html-200':
            self.answer(200, b'<html><body>Welcome to the hotel Wi-Fi</body></html>', 'text/html')
        elif fault in ('html-502', 'html-503'):
            code = int(fault[-3:])
            self.answer(code, b'<html><head><title>%d</title></head><body><h1>%d</h1>nginx</body></html>'
                        % (code, code), 'text/html')
        elif fault == 'empty-500':
            self.answer(500, b'', 'text/plain')
        elif fault == 'invalid-json':
            self.answer(200, b'{"ids": {"device_id": "eui-', 'application/json')
        elif fault.startswith('wrong-type-'):
            status, _, data = self.forward(body)
            try:
                value = json.loads(data)
            except ValueError:
                value = {}
            # A 204 cannot carry a body (curl would read it as the start of
            # the next answer): the wrong body comes with a 200 instead.
            self.answer(200 if status == 204 else status, json.dumps(mutate(value, int(fault[-1]))).encode())
        elif fault == 'huge-body':
            self.answer(200, HUGE)
        elif fault == 'gzip-bomb':
            self.answer(200, BOMB, extra=[('Content-Encoding', 'gzip')])
        elif fault == 'silence':
            self.server.stop.wait(60)
            self.close_connection = True
        elif fault == 'slow-drip':
            self.send_response(200)
            self.send_header('Content-Type', 'application/json')
            self.send_header('Content-Length', '100000')
            self.end_headers()
            try:
                while not self.server.stop.wait(0.1):
                    self.wfile.write(b' ')
                    self.wfile.flush()
            except OSError:
                pass
            self.close_connection = True
        elif fault == 'redirect':
            self.answer(308, b'', extra=[('Location', 'http://127.0.0.2:%d%s'
                                          % (self.server.stranger_port, self.path))])

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


class ProxyServer(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # The client hanging up on a huge body or a drip is the point.
        if not isinstance(sys.exc_info()[1], (ConnectionError, BrokenPipeError)):
            super().handle_error(request, client_address)


def start_simulator(tmp):
    port_file = os.path.join(tmp, 'sim.ports')
    sim = subprocess.Popen([sys.executable, os.environ['ONB_SIMULATOR'], '--port', '0',
                            '--port-file', port_file, '--exit-with-parent'],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if os.path.exists(port_file):
            ports = dict(line.split('=', 1) for line in open(port_file).read().split())
            return sim, int(ports['PORT'])
        time.sleep(0.05)
    sim.kill()
    sys.exit('the simulator did not start')


def write_config(path, url, data_dir, timeout_ms):
    with open(path, 'w') as f:
        f.write('[blynk]\nserver=%s\nclient_id=oa2-client-id_SimulatorKiosk\n'
                'client_secret=SimulatorClientSecret0000000001\ntemplate_id=TMPL4pXgRt1Kz\nowner_id=12345\n' % url)
        f.write('[tts]\n')
        for key in ('identity_server', 'join_server', 'network_server', 'application_server'):
            f.write('%s=%s\n' % (key, url))
        f.write('application_id=warehouse-sensors\napi_key=%s\nfrequency_plan=EU_863_870_TTN\n'
                'lorawan_version=MAC_V1_0_3\nphy_version=PHY_V1_0_3_REV_A\n' % SECRETS[0])
        f.write('[kiosk]\ndata_dir=%s\n[cloud]\ntimeout_ms=%d\nconnect_timeout_ms=%d\n'
                % (data_dir, timeout_ms, timeout_ms))
    os.chmod(path, 0o600)


def cli(*args, timeout):
    start = time.monotonic()
    proc = subprocess.run([os.environ['ONBOARDER_CLI']] + list(args), capture_output=True, timeout=timeout)
    return proc, time.monotonic() - start


def json_lines(data):
    objects = []
    for line in data.decode(errors='replace').splitlines():
        line = line.strip()
        if line.startswith('{'):
            objects.append(json.loads(line))
    return objects


def run_case(number, kinds, driver, fault, sim_port, tmp):
    """Returns a list of problems (empty: the case passed)."""
    problems = []
    case_dir = os.path.join(tmp, 'case-%03d' % number)
    os.makedirs(case_dir)
    stranger = ProxyServer(('127.0.0.2', 0), Stranger)
    stranger.seen = []
    threading.Thread(target=stranger.serve_forever, daemon=True).start()
    proxy = ProxyServer(('127.0.0.1', 0), Proxy)
    proxy.sim_port, proxy.stranger_port = sim_port, stranger.server_address[1]
    proxy.kinds, proxy.fault, proxy.hits = kinds, fault, set()
    proxy.stop = threading.Event()
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    config = os.path.join(case_dir, 'onboarder.conf')
    timeout_ms = WAIT_TIMEOUT_MS if fault in WAITING_FAULTS else CALM_TIMEOUT_MS
    waited_s = timeout_ms / 1000 if fault in WAITING_FAULTS else 0
    write_config(config, 'http://127.0.0.1:%d' % proxy.server_address[1], os.path.join(case_dir, 'data'), timeout_ms)

    try:
        if driver == 'check':
            # Each item waits for at most its chain of requests (token,
            # template, metafields), each bounded by the timeouts.
            bound = 3 * 2 * waited_s + SLACK_S
            proc, took = cli('check', '--json', '--config', config, timeout=90)
            items = json_lines(proc.stdout)
            failed = [i for i in items if not i.get('ok')]
            if proc.returncode < 0 or proc.returncode not in (0, 1):
                problems.append('exit status %d: %s' % (proc.returncode, proc.stderr.decode(errors='replace')[-300:]))
            if took > bound:
                problems.append('took %.1f s, more than %.1f s' % (took, bound))
            if len(items) != 10:
                problems.append('%d check items instead of 10' % len(items))
            for item in failed:
                if not item.get('reason') or len(item.get('message') or '') < 20:
                    problems.append('item %s fails without words: %r' % (item.get('id'), item))
            if FAULTS[fault] is not None and len(failed) < len(proxy.hits):
                problems.append('every item passed through %s' % fault)
        else:
            # Every case has its own device, from one list imported once.
            dev_eui = dev_eui_of(number)
            shutil.copytree(os.path.join(tmp, 'template-data'), os.path.join(case_dir, 'data'))
            retried = FAULTS[fault] == 'queued'
            provision_s = RETRY_WINDOW_S if retried else ENDS_BY_ITSELF_S
            bound = (provision_s if retried else 0) + 2 * waited_s + SLACK_S
            proc, took = cli('provision', '--json', '--timeout', str(provision_s),
                             '--retry-min-ms', '200', '--retry-max-ms', '500', '--config', config,
                             'LW:D0:70B3D57ED0000010:%s:000AF8BE' % dev_eui, timeout=90)
            if proc.returncode < 0 or proc.returncode not in (0, 1):
                problems.append('exit status %d: %s' % (proc.returncode, proc.stderr.decode(errors='replace')[-300:]))
            if took > bound:
                problems.append('took %.1f s, more than %.1f s' % (took, bound))
            jobs_proc, _ = cli('jobs', '--json', '--config', config, timeout=30)
            jobs = json_lines(jobs_proc.stdout)
            if len(jobs) != 1:
                problems.append('%d jobs in the journal instead of 1: %s' % (len(jobs), jobs_proc.stderr[-300:]))
            else:
                job = jobs[0]
                state, reason, message = job.get('state'), job.get('reason'), job.get('message')
                expected = FAULTS[fault]
                if fault.startswith('wrong-type-') and set(kinds) <= BODY_NOT_READ:
                    # The write was done upstream and its answer is never
                    # read: verify reads the device back, so done is right.
                    expected = None
                if state == 'running':
                    problems.append('the job is left running after provision --timeout')
                elif state != 'done' and (not reason or len(message or '') < 20):
                    problems.append('job %s without words: %r %r' % (state, reason, message))
                elif state in ('queued', 'waiting') and reason not in TRANSIENT_REASONS:
                    problems.append('queued for a permanent reason %s' % reason)
                elif state == 'failed' and reason in TRANSIENT_REASONS:
                    problems.append('failed for a transient reason %s' % reason)
                elif expected is not None and proxy.hits and state.replace('waiting', 'queued') != expected:
                    problems.append('job %s (%s: %s), expected %s' % (state, reason, message, expected))
    except subprocess.TimeoutExpired:
        problems.append('hung: killed after 90 s')
    finally:
        proxy.stop.set()
        proxy.shutdown()
        proxy.server_close()
        stranger.shutdown()
        stranger.server_close()

    # The other host of a redirect must never be reached: not with the API
    # key, the client secret, a token or an AppKey, not at all.
    for request in stranger.seen:
        leaked = [secret[:8] + '…' for secret in SECRETS if secret in json.dumps(request)]
        if request['headers'].get('Authorization'):
            leaked.append('an Authorization header')
        problems.append('the other host got %s%s' % (request['path'].split('?')[0][:60],
                                                     ' with ' + ', '.join(leaked) if leaked else ''))

    for kind in kinds:
        if kind not in proxy.hits:
            problems.append('the product never made a %s request' % kind)
    return problems


def dev_eui_of(number):
    return '0018B200%08X' % (0x10000 + number)


def import_devices(tmp, n):
    """The registry every provision case starts from."""
    csv = os.path.join(tmp, 'devices.csv')
    config = os.path.join(tmp, 'import.conf')
    with open(csv, 'w') as f:
        f.write('Device EUI,Join EUI,Application Key,Device Name\n')
        for number in range(n):
            f.write('%s,70B3D57ED0000010,%s,Hostile %03d\n' % (dev_eui_of(number), SECRETS[2], number))
    write_config(config, 'http://127.0.0.1:1', os.path.join(tmp, 'template-data'), CALM_TIMEOUT_MS)
    proc, _ = cli('import', '--config', config, csv, timeout=30)
    if proc.returncode != 0:
        sys.exit('import failed: %s' % proc.stderr.decode(errors='replace'))


def main():
    tmp = tempfile.mkdtemp(prefix='onb-hostile-')
    sim, sim_port = start_simulator(tmp)
    driver_of = {kind: driver for kind, _, _, driver in KINDS}
    cases = [(kinds, driver_of[kinds[0]], fault) for kinds in GROUPS for fault in FAULTS]
    import_devices(tmp, len(cases))
    failures = []
    start = time.monotonic()

    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
            futures = {pool.submit(run_case, n, kinds, driver, fault, sim_port, tmp): ('+'.join(kinds), fault)
                       for n, (kinds, driver, fault) in enumerate(cases)}
            results = {futures[f]: f.result() for f in concurrent.futures.as_completed(futures)}
    finally:
        sim.send_signal(signal.SIGTERM)
        sim.wait(10)

    for (kind, fault), problems in sorted(results.items()):
        if problems:
            failures.append('%-26s %-13s %s' % (kind, fault, '; '.join(problems)))
    for line in failures:
        print('FAIL ', line)
    print('%d cases (%d kinds in %d groups x %d answers) in %.1f s: %d failed'
          % (len(cases), len(KINDS), len(GROUPS), len(FAULTS), time.monotonic() - start, len(failures)))
    shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
