"""Shared helpers for the simulator's own tests: start it as a process,
talk HTTP to it over real sockets."""

import base64
import http.client
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.environ.get('ONB_SIMULATOR') or os.path.join(HERE, '..', '..', 'simulator', 'onboarder-simulator')

APP = 'warehouse-sensors'
KEY = 'NNSXS.SIMFULLRIGHTSKEY00000000.SIMULATORSECRETFULLRIGHTS0000000000000000000000000001'
KEY_NO_KEYS = 'NNSXS.SIMNOKEYSRIGHTSKEY000000.SIMULATORSECRETNOKEYSRIGHTS00000000000000000000000002'
KEY_READ_ONLY = 'NNSXS.SIMREADONLYKEY0000000000.SIMULATORSECRETREADONLY00000000000000000000000000003'
KEY_OTHER_APP = 'NNSXS.SIMOTHERAPPKEY0000000000.SIMULATORSECRETOTHERAPP00000000000000000000000000004'
CLIENT_ID = 'oa2-client-id_SimulatorKiosk'
CLIENT_SECRET = 'SimulatorClientSecret0000000001'
TEMPLATE = 'TMPL4pXgRt1Kz'
TEMPLATE_NUMBER = 101
OWNER = 12345
STATIC_TOKENS = ['sqr_GFshG0g3fh85hW0xUxPPCRsxu176w33v', 'sqr_S8JAdKJqwl3eCS0hNIbXxugFZEjmh8nh',
                 'sqr_rpFKkvsRUSg1iWHxsy3z7pCI4OplmAAJ', 'sqr_Y9CSWu74zPgDV5FxsmkPpOtp0SBv0TMB']


class Sim:
    def __init__(self, *args):
        self.tmp = tempfile.TemporaryDirectory(prefix='onb-simtest-')
        port_file = os.path.join(self.tmp.name, 'ports')
        self.proc = subprocess.Popen([sys.executable, '-B', SCRIPT, '--port', '0', '--port-file', port_file,
                                      '--exit-with-parent'] + list(args),
                                     stdout=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None:
                raise RuntimeError('simulator exited with %s' % self.proc.returncode)
            if time.monotonic() > deadline:
                raise RuntimeError('simulator did not start')
            time.sleep(0.01)
        with open(port_file) as f:
            values = dict(line.split('=', 1) for line in f.read().split())
        self.port = int(values['PORT'])
        self.admin_port = int(values['ADMIN_PORT'])
        self.redirect_port = int(values['REDIRECT_PORT'])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)
        self.proc.stdout.close()
        self.tmp.cleanup()

    def request(self, method, path, body=None, headers=None, port=None, raw=None, timeout=10):
        """Returns (status, parsed JSON or None, headers)."""
        conn = http.client.HTTPConnection('127.0.0.1', port or self.port, timeout=timeout)
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        all_headers = {'Content-Type': 'application/json'}
        all_headers.update(headers or {})
        try:
            conn.request(method, path, body=data, headers=all_headers)
            resp = conn.getresponse()
            text = resp.read()
            return resp.status, (json.loads(text) if text else None), dict(resp.getheaders())
        finally:
            conn.close()

    def admin(self, method, path, body=None):
        status, result, _ = self.request(method, path, body, port=self.admin_port)
        return status, result

    def state(self):
        return self.admin('GET', '/_admin/state')[1]

    def reset(self):
        assert self.admin('POST', '/_admin/reset')[0] == 200

    # --- TTS ---------------------------------------------------------------

    def tts(self, method, path, body=None, key=KEY):
        headers = {'Authorization': 'Bearer ' + key} if key else {}
        return self.request(method, '/api/v3' + path, body, headers)[:2]

    def is_create(self, dev_eui='0018B20000000101', join_eui='70B3D57ED0000010', device_id=None,
                  key=KEY, app=APP, **extra):
        device_id = device_id or 'eui-' + dev_eui.lower()
        end_device = {'ids': {'device_id': device_id, 'dev_eui': dev_eui, 'join_eui': join_eui,
                              'application_ids': {'application_id': app}},
                      'network_server_address': '127.0.0.1:%d' % self.port,
                      'application_server_address': '127.0.0.1:%d' % self.port,
                      'join_server_address': '127.0.0.1:%d' % self.port}
        end_device.update(extra)
        return self.tts('POST', '/applications/%s/devices' % app, {'end_device': end_device}, key)

    def component_set(self, component, device_id, end_device, paths, key=KEY, app=APP):
        return self.tts('PUT', '/%s/applications/%s/devices/%s' % (component, app, device_id),
                        {'end_device': end_device, 'field_mask': {'paths': paths}}, key)

    def register(self, dev_eui='0018B20000000101', join_eui='70B3D57ED0000010',
                 app_key='FE129A793DB74CCBB6F273BC8B81D905', ns_extra=None):
        """A whole correct registration; returns the four statuses."""
        device_id = 'eui-' + dev_eui.lower()
        ids = {'device_id': device_id, 'dev_eui': dev_eui, 'join_eui': join_eui,
               'application_ids': {'application_id': APP}}
        statuses = [self.is_create(dev_eui, join_eui)[0]]
        statuses.append(self.component_set('js', device_id, {
            'ids': ids, 'root_keys': {'app_key': {'key': app_key}},
            'network_server_address': '127.0.0.1', 'application_server_address': '127.0.0.1'},
            ['root_keys.app_key.key', 'network_server_address', 'application_server_address'])[0])
        ns = {'ids': ids, 'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
              'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'frequency_plan_id': 'EU_863_870_TTN',
              'supports_class_b': False, 'supports_class_c': False}
        ns.update(ns_extra or {})
        statuses.append(self.component_set('ns', device_id, ns, [
            'supports_join', 'lorawan_version', 'lorawan_phy_version', 'frequency_plan_id',
            'supports_class_b', 'supports_class_c'])[0])
        statuses.append(self.component_set('as', device_id, {'ids': ids}, [])[0])
        return statuses

    # --- Blynk ---------------------------------------------------------------

    def blynk_token(self, client_id=CLIENT_ID, secret=CLIENT_SECRET, port=None):
        basic = base64.b64encode(('%s:%s' % (client_id, secret)).encode()).decode()
        return self.request('POST', '/oauth2/token?grant_type=client_credentials',
                            headers={'Authorization': 'Basic ' + basic}, port=port)

    def blynk(self, method, path, body=None, token=None):
        if token is None:
            token = self.blynk_token()[1]['access_token']
        return self.request(method, '/api/v1/organization' + path, body,
                            {'Authorization': 'Bearer ' + token})[:2]


class SimTestCase(unittest.TestCase):
    """One simulator per test class, reset before each test."""
    sim_args = ()

    @classmethod
    def setUpClass(cls):
        cls.sim = Sim(*cls.sim_args)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def setUp(self):
        self.sim.reset()

    def assertTTSError(self, result, status, name):
        got_status, body = result[0], result[1]
        self.assertEqual((got_status, body['details'][0]['name'] if body and body.get('details') else None),
                         (status, name), body)
        detail = body['details'][0]
        self.assertEqual(detail['@type'], 'type.googleapis.com/ttn.lorawan.v3.ErrorDetails')
        self.assertTrue(body['message'].startswith('error:%s:%s (' % (detail['namespace'], name)), body)
        self.assertEqual(body['code'], detail['code'])
        return detail

    def assertDecodeError(self, result):
        self.assertEqual(result[0], 400, result[1])
        self.assertEqual(result[1]['code'], 3)
        self.assertEqual(result[1]['details'], [])

    def assertBlynkError(self, result, status):
        self.assertEqual(result[0], status, result[1])
        self.assertIsInstance(result[1]['error']['message'], str)
        return result[1]['error']['message']
