"""Fault injection: latency, errors, drops, slow answers, network down;
reproducible from a seed; concurrent service."""

import http.client
import json
import socket
import threading
import time
import unittest

from simtest import APP, SimTestCase

DROPPED = (ConnectionResetError, http.client.RemoteDisconnected, BrokenPipeError)


class Faults(SimTestCase):
    def set_faults(self, spec):
        status, body = self.sim.admin('POST', '/_admin/faults', spec)
        self.assertEqual(status, 200, body)

    def test_scripted_outcomes(self):
        self.set_faults({'script': {'tts.auth_info': ['503', '429', '500', 'drop', 'ok']}})
        status, body, headers = self.sim.request('GET', '/api/v3/auth_info', headers={'Authorization': 'Bearer x'})
        self.assertEqual((status, body['code'], body['details'][0]['name']), (503, 14, 'unavailable'))
        self.assertEqual(headers['Retry-After'], '1')
        status, body, headers = self.sim.request('GET', '/api/v3/auth_info')
        self.assertEqual((status, body['code'], body['details'][0]['name']), (429, 8, 'rate_limit_exceeded'))
        self.assertIn('Retry-After', headers)
        status, body = self.sim.tts('GET', '/auth_info')
        self.assertEqual((status, body['code']), (500, 13))
        with self.assertRaises(DROPPED):
            self.sim.tts('GET', '/auth_info')
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 200)
        state = self.sim.state()
        self.assertEqual(state['counts']['tts.auth_info'], 5)
        self.assertEqual([r['name'] for r in state['rejected']], ['fault:503', 'fault:429', 'fault:500', 'fault:drop'])
        self.assertEqual([e['fault'] for e in state['log']], ['503', '429', '500', 'drop', None])

    def test_blynk_error_shape_and_retry_after(self):
        self.set_faults({'endpoints': {'blynk.token': {'p_429': 1.0, 'retry_after_s': 7}}})
        status, body, headers = self.sim.blynk_token()
        self.assertEqual(status, 429)
        self.assertIn('message', body['error'])
        self.assertEqual(headers['Retry-After'], '7')
        self.set_faults({'endpoints': {'blynk': {'p_500': 1.0}}})
        self.assertEqual(self.sim.blynk_token()[0], 500)

    def test_latency_per_endpoint(self):
        self.set_faults({'endpoints': {'tts.auth_info': {'latency_ms': 400}}})
        start = time.monotonic()
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.4)
        start = time.monotonic()
        self.sim.tts('GET', '/configuration/frequency-plans', key=None)
        self.assertLess(time.monotonic() - start, 0.3)
        self.assertEqual([e['delay_ms'] for e in self.sim.state()['log']], [400, 0])

    def test_slow_answer_beyond_client_timeout(self):
        self.set_faults({'endpoints': {'tts.frequency_plans': {'p_slow': 1.0, 'slow_ms': 1500}}})
        with self.assertRaises(socket.timeout):
            self.sim.request('GET', '/api/v3/configuration/frequency-plans', timeout=0.3)
        self.set_faults({})
        self.assertEqual(self.sim.tts('GET', '/configuration/frequency-plans', key=None)[0], 200)

    def outcomes(self, spec, n=40, endpoint_path='/auth_info', interleave=False):
        self.sim.reset()
        self.set_faults(spec)
        seen = []
        for _ in range(n):
            if interleave:
                self.sim.tts('GET', '/configuration/frequency-plans', key=None)
            try:
                seen.append(self.sim.tts('GET', endpoint_path)[0])
            except DROPPED:
                seen.append('drop')
        return seen

    def test_reproducible_from_seed(self):
        spec = {'seed': 1234, 'endpoints': {'tts.auth_info': {'p_503': 0.3, 'p_500': 0.1, 'p_drop': 0.1, 'p_429': 0.1}}}
        first = self.outcomes(spec)
        self.assertEqual(self.outcomes(spec), first)
        # Traffic on other endpoints does not shift this endpoint's sequence.
        self.assertEqual(self.outcomes(spec, interleave=True), first)
        self.assertNotEqual(self.outcomes(dict(spec, seed=4321)), first)
        for outcome in (200, 503, 500, 429, 'drop'):
            self.assertIn(outcome, first)

    def test_jitter_reproducible(self):
        spec = {'seed': 9, 'endpoints': {'tts.auth_info': {'latency_ms': 10, 'jitter_ms': 100}}}

        def delays():
            self.sim.reset()
            self.set_faults(spec)
            for _ in range(6):
                self.sim.tts('GET', '/auth_info')
            log = self.sim.state()['log']
            for e in log:
                self.assertGreaterEqual(e['end_ms'] - e['start_ms'], e['delay_ms'] - 1)
            return [e['delay_ms'] for e in log]

        first = delays()
        self.assertEqual(delays(), first)
        self.assertTrue(all(10 <= d <= 110 for d in first), first)
        self.assertGreater(max(first) - min(first), 20)
        self.set_faults(dict(spec, seed=10))
        self.sim.tts('GET', '/auth_info')
        self.assertNotEqual(self.sim.state()['log'][-1]['delay_ms'], first[0])

    def test_invalid_specs(self):
        for spec in ({'endpoints': {'tts': {'p_503': 2}}}, {'endpoints': {'tts': {'bogus': 1}}},
                     {'script': {'tts.is.create': ['boom']}}, {'unknown': 1}, {'network_down': 'yes'}, [1]):
            status, body = self.sim.admin('POST', '/_admin/faults', spec)
            self.assertEqual(status, 400, spec)
            self.assertIn('error', body)

    def test_reset_restores_start_faults(self):
        self.set_faults({'endpoints': {'*': {'p_500': 1.0}}})
        self.sim.reset()
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 200)


class Network(SimTestCase):
    def test_down_refuses_then_recovers(self):
        conn = http.client.HTTPConnection('127.0.0.1', self.sim.port, timeout=5)
        conn.request('GET', '/api/v3/configuration/frequency-plans')
        self.assertEqual(conn.getresponse().read()[:1], b'{')
        self.assertEqual(self.sim.admin('POST', '/_admin/network', {'down': True}), (200, {'network_down': True}))
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', self.sim.port), timeout=2)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', self.sim.redirect_port), timeout=2)
        # The open keep-alive connection was reset too.
        with self.assertRaises(DROPPED + (ConnectionAbortedError,)):
            conn.request('GET', '/api/v3/configuration/frequency-plans')
            conn.getresponse().read()
        conn.close()
        self.assertTrue(self.sim.state()['network_down'])
        self.assertEqual(self.sim.admin('POST', '/_admin/network', {'down': False})[0], 200)
        self.assertEqual(self.sim.tts('GET', '/configuration/frequency-plans', key=None)[0], 200)

    def test_switch_through_the_api_port_answers(self):
        status, body, _ = self.sim.request('POST', '/_admin/network', {'down': True, 'for_ms': 300})
        self.assertEqual((status, body), (200, {'network_down': True}))
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', self.sim.port), timeout=2)
        self.assertEqual(self.sim.admin('POST', '/_admin/network', {'down': True, 'for_ms': -1})[0], 400)

    def test_down_for_a_while(self):
        self.sim.admin('POST', '/_admin/network', {'down': True, 'for_ms': 300})
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', self.sim.port), timeout=2)
        deadline = time.monotonic() + 5
        while self.sim.state()['network_down'] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.sim.tts('GET', '/configuration/frequency-plans', key=None)[0], 200)

    def test_down_through_faults_and_reset(self):
        self.assertEqual(self.sim.admin('POST', '/_admin/faults', {'network_down': True})[0], 200)
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection(('127.0.0.1', self.sim.port), timeout=2)
        self.sim.reset()
        self.assertEqual(self.sim.tts('GET', '/configuration/frequency-plans', key=None)[0], 200)


class Concurrency(SimTestCase):
    def test_parallel_requests_overlap(self):
        self.sim.is_create()
        self.sim.admin('POST', '/_admin/faults', {'endpoints': {'tts': {'latency_ms': 300}}})
        ids = {'device_id': 'eui-0018b20000000101', 'dev_eui': '0018B20000000101', 'join_eui': '70B3D57ED0000010'}
        bodies = {
            'js': ({'ids': ids, 'root_keys': {'app_key': {'key': '11' * 16}}}, ['root_keys.app_key.key']),
            'ns': ({'ids': ids, 'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
                    'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'frequency_plan_id': 'EU_863_870_TTN'},
                   ['supports_join', 'lorawan_version', 'lorawan_phy_version', 'frequency_plan_id']),
            'as': ({'ids': ids}, []),
        }
        results = {}

        def run(component):
            results[component] = self.sim.component_set(component, ids['device_id'], *bodies[component])[0]

        start = time.monotonic()
        threads = [threading.Thread(target=run, args=(c,)) for c in bodies]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertLess(time.monotonic() - start, 0.85)
        self.assertEqual(results, {'js': 200, 'ns': 200, 'as': 200})
        sets = [e for e in self.sim.state()['log'] if e['endpoint'].endswith('.set')]
        self.assertEqual(len(sets), 3)
        latest_start = max(e['start_ms'] for e in sets)
        earliest_end = min(e['end_ms'] for e in sets)
        self.assertLess(latest_start, earliest_end)


class StartFlags(SimTestCase):
    sim_args = ('--faults', json.dumps({'seed': 5, 'script': {'tts.auth_info': ['503']}}), '--seed', '77',
                '--token-lifetime', '42', '--rate-limit', '9')

    def test_flags_apply_and_survive_reset(self):
        state = self.sim.state()
        self.assertEqual(state['faults']['seed'], 77)
        self.assertEqual(state['blynk']['settings'], {'token_lifetime_s': 42, 'rate_limit_per_minute': 9,
                                                     'claim_answer': 'device'})
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 503)
        self.assertEqual(self.sim.tts('GET', '/auth_info')[0], 200)


if __name__ == '__main__':
    unittest.main()
