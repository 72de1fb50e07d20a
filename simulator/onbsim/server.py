"""HTTP plumbing: listeners, routing, fault injection, the request log and
the admin API."""

import argparse
import io
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from . import config as configmod
from .blynk import Blynk
from .claiming import ClaimingServer
from .errors import ApiError, blynk_error, encode, tts_decode_error, tts_error
from .faults import FaultError, Faults
from .integration import Integration
from .repository import DeviceRepository
from .tts import TTS

LOOPBACK = '127.0.0.1'
LOG_LIMIT = 20000


def now_ms():
    return round(time.time() * 1000.0, 3)


class Request:
    def __init__(self, method, target, headers, body):
        parsed = urllib.parse.urlsplit(target)
        self.method = method
        self.path = parsed.path
        self.target = target
        self.query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        self.headers = headers
        self.body = body

    def query_one(self, name):
        values = self.query.get(name)
        return values[0] if values else None

    def query_all(self, name):
        return self.query.get(name, [])

    def json_or(self, make_error):
        if not self.body:
            return {}
        try:
            return json.loads(self.body.decode('utf-8'))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise make_error(str(e))

    def json(self):
        """TTS flavour: a body that is not JSON is a decoding error."""
        return self.json_or(lambda msg: tts_decode_error('invalid character in JSON body: %s' % msg))

    def form(self):
        if 'application/x-www-form-urlencoded' not in self.headers.get('Content-Type', ''):
            return {}
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode('utf-8', 'replace')).items()}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False
    # Bursts of parallel clients (benchmarks) must not wait on SYN retries.
    request_queue_size = 128

    def __init__(self, port, sim, kind):
        self.sim = sim
        self.kind = kind
        super().__init__((LOOPBACK, port), Handler)

    def handle_error(self, request, client_address):
        # Resets are what the network switch and drop faults are for.
        if self.sim.verbose:
            super().handle_error(request, client_address)


class Handler(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'onboarder-simulator'
    # With Nagle on, a small answer waits for the client's delayed ACK (~40 ms).
    disable_nagle_algorithm = True

    def setup(self):
        super().setup()
        self.server.sim.track(self.connection, self.server.kind)

    def finish(self):
        try:
            super().finish()
        except OSError:
            pass
        self.server.sim.track(self.connection, None)

    def log_message(self, fmt, *args):
        if self.server.sim.verbose:
            sys.stderr.write('onboarder-simulator: %s %s\n' % (self.server.kind, fmt % args))

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', '').lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline() not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get('Content-Length') or 0)
        return self.rfile.read(length) if length else b''

    def handle_any(self):
        body = self.read_body()
        self.server.sim.handle(self, Request(self.command, self.path, self.headers, body))

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = handle_any

    def respond(self, status, body, headers=None):
        data = encode(body) if body is not None else b''
        self.send_response(status)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        # Headers and body in one segment.
        self._headers_buffer.append(b'\r\n' + data)
        self.flush_headers()

    def drop(self):
        """Reset the connection without answering."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()
        except OSError:
            pass
        # The base class flushes wfile after the handler returns.
        self.wfile = io.BytesIO()


class Simulator:
    def __init__(self, config, faults_spec, verbose=False):
        self.config = config
        self.verbose = verbose
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self.tts = TTS(config)
        self.repository = DeviceRepository(config, self.tts)
        self.claiming = ClaimingServer(config, self.tts)
        self.blynk = Blynk(config)
        self.ports = {}
        self.integration = Integration(config, self.tts, self.blynk, self.lock, self.internal_call,
                                       lambda: '%s:%d' % (LOOPBACK, self.ports.get('main', 0)))
        self.blynk.on_metafields = self.integration.metafields_changed
        self.start_faults = faults_spec
        self.faults = Faults(faults_spec)
        self.start_blynk_settings = self.blynk.settings()
        self.routes = []
        for method, pattern, endpoint, handler in (self.tts.routes() + self.repository.routes()
                                              + self.claiming.routes() + self.blynk.routes()):
            self.routes.append((method, re.compile(pattern + '$'), endpoint, handler))
        self.listeners = {}
        self.connections = {}
        self.network_down = False
        self.network_timer = None
        self.clear_stats()

    def clear_stats(self):
        self.counts = {}
        self.rejected = []
        self.log = []
        self.seq = 0

    # --- listeners and the network switch ---------------------------------

    def listen(self, kind, port):
        server = Server(port, self, kind)
        self.ports[kind] = server.server_address[1]
        self.listeners[kind] = server
        thread = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.05},
                                  name='listener-' + kind, daemon=True)
        thread.start()

    def track(self, conn, kind):
        """kind None: the connection is gone."""
        with self.lock:
            if kind:
                self.connections[conn] = kind
            else:
                self.connections.pop(conn, None)

    def set_network(self, down, for_ms=None, keep=None):
        """Down closes the service listeners (new connections are refused)
        and resets open ones but `keep` (an admin call made on the API port
        still gets its answer); the admin listener stays up."""
        with self.lock:
            if self.network_timer:
                self.network_timer.cancel()
                self.network_timer = None
            if down and not self.network_down:
                for kind in ('main', 'redirect'):
                    server = self.listeners.pop(kind, None)
                    if server:
                        server.shutdown()
                        server.server_close()
                for conn, kind in list(self.connections.items()):
                    if kind != 'admin' and conn is not keep:
                        try:
                            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                            conn.shutdown(socket.SHUT_RDWR)
                        except OSError:
                            pass
            elif not down and self.network_down:
                for kind in ('main', 'redirect'):
                    self.listen(kind, self.ports[kind])
            self.network_down = down
            if down and for_ms:
                self.network_timer = threading.Timer(for_ms / 1000.0, self.set_network, (False,))
                self.network_timer.daemon = True
                self.network_timer.start()

    def shutdown(self):
        with self.lock:
            if self.network_timer:
                self.network_timer.cancel()
            for server in self.listeners.values():
                server.shutdown()
                server.server_close()
            self.listeners.clear()

    # --- requests ---------------------------------------------------------

    def route(self, req):
        allowed = False
        for method, pattern, endpoint, handler in self.routes:
            match = pattern.match(req.path)
            if match:
                if method != req.method:
                    allowed = True
                    continue
                kwargs = match.groupdict()
                return endpoint.format(**kwargs), handler, kwargs
        if req.path.startswith('/api/v3/'):
            if allowed:
                raise ApiError(405, {'code': 12, 'message': 'Method Not Allowed', 'details': []},
                               'method_not_allowed')
            raise ApiError(404, {'code': 5, 'message': 'Not Found', 'details': []}, 'no_route')
        if allowed:
            raise blynk_error(405, 'Method not allowed.', reason='method_not_allowed')
        raise blynk_error(404, 'Not found.', reason='no_route')

    def internal_call(self, method, path, body, key):
        """A request of the simulated clouds themselves (Blynk's
        integration): the same handlers and rules, but never faulted,
        counted or logged. Raises ApiError when refused."""
        req = Request(method, path, {'Authorization': 'Bearer ' + key, 'Content-Type': 'application/json'},
                      json.dumps(body).encode('utf-8'))
        _, fn, kwargs = self.route(req)
        return fn(req, **kwargs)

    def fault_error(self, endpoint, action, retry_after):
        headers = {'Retry-After': str(retry_after)} if action in ('429', '503') else {}
        if endpoint.startswith('tts'):
            if action == '429':
                return tts_error(8, 'pkg/ratelimit', 'rate_limit_exceeded', 'rate limit exceeded',
                                 {'key': 'simulated'}, headers)
            if action == '503':
                return tts_error(14, 'pkg/simulator', 'unavailable', 'service unavailable', None, headers)
            if action == '403':
                return tts_error(7, 'pkg/simulator', 'permission_denied', 'permission denied')
            return tts_error(13, 'pkg/simulator', 'internal', 'internal error')
        messages = {'429': 'Too many requests.', '503': 'Service unavailable.', '500': 'Internal server error.',
                    '403': 'Forbidden.'}
        return blynk_error(int(action), messages[action], headers)

    def handle(self, handler, req):
        if req.path.startswith('/_admin/'):
            self.admin(handler, req)
            return
        kind = handler.server.kind
        with self.lock:
            self.seq += 1
            entry = {'seq': self.seq, 'listener': kind, 'method': req.method, 'path': req.path,
                     'endpoint': None, 'start_ms': now_ms(), 'end_ms': None, 'status': None,
                     'fault': None, 'delay_ms': 0}
            self.log.append(entry)
            del self.log[:-LOG_LIMIT]
        status, body, headers = None, None, {}
        try:
            if kind == 'redirect':
                entry['endpoint'] = 'redirect'
                with self.lock:
                    self.counts['redirect'] = self.counts.get('redirect', 0) + 1
                location = 'http://%s:%d%s' % (LOOPBACK, self.ports['main'], req.target)
                raise ApiError(308, {'error': {'message': 'Wrong region. Use %s' % location}},
                               'redirect', {'Location': location})
            endpoint, fn, kwargs = self.route(req)
            entry['endpoint'] = endpoint
            with self.lock:
                self.counts[endpoint] = self.counts.get(endpoint, 0) + 1
                action, delay, retry_after = self.faults.decide(endpoint)
            if action != 'ok':
                entry['fault'] = action
            entry['delay_ms'] = round(delay * 1000.0, 3)
            if delay > 0 and self.stop_event.wait(delay):
                action = 'drop'
            if action == 'drop':
                with self.lock:
                    entry['end_ms'] = now_ms()
                    self.rejected.append({'seq': entry['seq'], 'endpoint': endpoint, 'status': None,
                                          'name': 'fault:drop', 'message': 'connection dropped'})
                handler.drop()
                return
            if action in ('500', '503', '429', '403'):
                raise self.fault_error(endpoint, action, retry_after)
            with self.lock:
                # A handler answers (status, body) or (status, body, headers).
                status, body, *extra = fn(req, **kwargs)
                headers = extra[0] if extra else {}
                answer_delay = self.faults.answer_delay(endpoint)
            if answer_delay > 0:
                entry['delay_ms'] += round(answer_delay * 1000.0, 3)
                self.stop_event.wait(answer_delay)
        except ApiError as e:
            status, body, headers = e.status, e.body, e.headers
            if e.reason != 'redirect':
                name = ('fault:' + entry['fault']) if entry['fault'] in ('500', '503', '429', '403') else e.reason
                with self.lock:
                    self.rejected.append({'seq': entry['seq'], 'endpoint': entry['endpoint'],
                                          'status': status, 'name': name, 'message': e.message})
        with self.lock:
            entry['status'] = status
            entry['end_ms'] = now_ms()
        try:
            handler.respond(status, body, headers)
        except OSError:
            pass

    # --- admin API ----------------------------------------------------------

    def state(self):
        with self.lock:
            return {
                'ports': dict(self.ports),
                'network_down': self.network_down,
                'tts': dict(self.tts.describe(), claims=self.claiming.describe()),
                'blynk': dict(self.blynk.describe(), integration=self.integration.describe()),
                'counts': dict(self.counts),
                'rejected': list(self.rejected),
                'log': [dict(e) for e in self.log],
                'faults': self.faults.describe(),
            }

    def reset(self, keep=None):
        self.set_network(self.start_faults.get('network_down', False), keep=keep)
        with self.lock:
            self.tts.reset()
            self.claiming.reset()
            self.blynk.reset()
            self.integration.reset()
            self.blynk.apply_settings(self.start_blynk_settings)
            self.faults.set(self.start_faults)
            self.clear_stats()

    def set_faults(self, spec, keep=None):
        with self.lock:
            self.faults.set(spec)
        if 'network_down' in spec:
            self.set_network(spec['network_down'], keep=keep)

    def admin(self, handler, req):
        try:
            body = req.json_or(lambda msg: ApiError(400, {'error': 'invalid JSON: ' + msg}, 'bad_json'))
            if not isinstance(body, dict):
                raise ApiError(400, {'error': 'the body must be a JSON object'}, 'bad_json')
            key = (req.method, req.path)
            if key == ('GET', '/_admin/state'):
                result = self.state()
            elif key == ('GET', '/_admin/log'):
                result = {'log': self.state()['log']}
            elif key == ('GET', '/_admin/health'):
                result = {'ok': True}
            elif key == ('POST', '/_admin/reset'):
                self.reset(handler.connection)
                result = {'ok': True}
            elif key == ('GET', '/_admin/faults'):
                with self.lock:
                    result = self.faults.describe()
            elif key == ('POST', '/_admin/faults'):
                self.set_faults(body, handler.connection)
                with self.lock:
                    result = self.faults.describe()
            elif key == ('POST', '/_admin/network'):
                down = body.get('down')
                if not isinstance(down, bool):
                    raise ApiError(400, {'error': '"down" must be true or false'}, 'bad_request')
                for_ms = body.get('for_ms')
                if for_ms is not None and (not isinstance(for_ms, (int, float)) or isinstance(for_ms, bool) or for_ms <= 0):
                    raise ApiError(400, {'error': '"for_ms" must be a number > 0'}, 'bad_request')
                self.set_network(down, for_ms, handler.connection)
                result = {'network_down': self.network_down}
            elif key == ('POST', '/_admin/settings'):
                if set(body) - {'blynk'}:
                    raise ValueError('settings: only "blynk" can be changed')
                with self.lock:
                    self.blynk.apply_settings(body.get('blynk', {}))
                    result = {'blynk': self.blynk.settings()}
            elif key == ('GET', '/_admin/blynk/integration'):
                with self.lock:
                    result = self.integration.describe()
            elif key == ('POST', '/_admin/blynk/integration'):
                with self.lock:
                    self.integration.configure(body)
                    result = self.integration.describe()
            elif key == ('POST', '/_admin/tts/uplink'):
                with self.lock:
                    result = self.integration.uplink(body)
            elif key == ('POST', '/_admin/blynk/expire-tokens'):
                with self.lock:
                    self.blynk.expire_tokens()
                result = {'ok': True}
            else:
                raise ApiError(404, {'error': 'no admin endpoint %s %s' % key}, 'no_route')
            status = 200
        except (FaultError, ValueError) as e:
            status, result = 400, {'error': str(e)}
        except OSError as e:
            # Re-listening after "network down" lost the port to another process.
            status, result = 500, {'error': 'cannot listen again: %s' % e}
        except ApiError as e:
            status, result = e.status, e.body
        try:
            handler.respond(status, result)
        except OSError:
            pass


def parse_args(argv):
    p = argparse.ArgumentParser(prog='onboarder-simulator',
                                description='Local simulator of The Things Stack and Blynk HTTP APIs.')
    p.add_argument('--port', type=int, default=0, help='API port (0 picks a free one)')
    p.add_argument('--admin-port', type=int, default=0, help='admin port, stays up while the network is "down"')
    p.add_argument('--redirect-port', type=int, default=0, help='"wrong region" port answering 308 to the API port')
    p.add_argument('--port-file', help='write PORT=, ADMIN_PORT=, REDIRECT_PORT= lines here once listening')
    p.add_argument('--config', help='configuration file (JSON) replacing the built-in default')
    p.add_argument('--extra-config', action='append', default=[], metavar='JSON|@FILE',
                   help='JSON object merged over the configuration (repeatable)')
    p.add_argument('--faults', metavar='JSON|@FILE', help='fault specification at start')
    p.add_argument('--seed', help='fault seed (overrides the one in --faults)')
    p.add_argument('--token-lifetime', type=float, help='Blynk access-token lifetime in seconds')
    p.add_argument('--rate-limit', type=int, help='Blynk requests per minute (0 = unlimited)')
    p.add_argument('--exit-with-parent', action='store_true', help='exit when the parent process dies')
    p.add_argument('--verbose', action='store_true', help='access log on stderr')
    return p.parse_args(argv)


def write_port_file(path, text):
    tmp = path + '.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        f.write(text)
    os.rename(tmp, path)


def main(argv=None):
    args = parse_args(argv if argv is not None else sys.argv[1:])
    try:
        extras = [configmod.load_json_arg(e) for e in args.extra_config]
        cfg = configmod.load(args.config, extras)
        faults = cfg.get('faults', {})
        if args.faults:
            faults = configmod.load_json_arg(args.faults)
        if args.seed is not None:
            faults = dict(faults, seed=int(args.seed) if args.seed.lstrip('-').isdigit() else args.seed)
        if args.token_lifetime is not None:
            cfg['blynk']['token_lifetime_s'] = args.token_lifetime
        if args.rate_limit is not None:
            cfg['blynk']['rate_limit_per_minute'] = args.rate_limit
        sim = Simulator(cfg, faults, args.verbose)
    except (OSError, ValueError, KeyError, FaultError) as e:
        sys.stderr.write('onboarder-simulator: bad configuration: %s\n' % e)
        return 2
    try:
        sim.listen('main', args.port)
        sim.listen('admin', args.admin_port)
        sim.listen('redirect', args.redirect_port)
    except OSError as e:
        sys.stderr.write('onboarder-simulator: cannot listen: %s\n' % e)
        sim.shutdown()
        return 1
    if faults.get('network_down'):
        sim.set_network(True)
    signal.signal(signal.SIGTERM, lambda *_: sim.stop_event.set())
    signal.signal(signal.SIGINT, lambda *_: sim.stop_event.set())
    text = 'PORT=%d\nADMIN_PORT=%d\nREDIRECT_PORT=%d\nURL=http://%s:%d\n' % (
        sim.ports['main'], sim.ports['admin'], sim.ports['redirect'], LOOPBACK, sim.ports['main'])
    if args.port_file:
        write_port_file(args.port_file, text)
    sys.stdout.write(text)
    sys.stdout.flush()
    parent = os.getppid()
    while not sim.stop_event.wait(0.2):
        if args.exit_with_parent and os.getppid() != parent:
            break
    sim.stop_event.set()
    sim.shutdown()
    return 0
