"""Blynk Platform API endpoints: happy paths and every rejection."""

import base64
import time
import unittest

from simtest import CLIENT_ID, OWNER, STATIC_TOKENS, TEMPLATE, TEMPLATE_NUMBER, SimTestCase


class Devices(SimTestCase):
    def create(self, name='Soil sensor 01', template=TEMPLATE, owner=OWNER, token=None):
        return self.sim.blynk('POST', '/device/create', {'templateId': template, 'name': name, 'ownerId': owner}, token)

    def test_create_and_set_metafields(self):
        status, device = self.create()
        self.assertEqual(status, 200, device)
        self.assertIsInstance(device['id'], int)
        self.assertEqual(len(device['token']), 32)
        self.assertEqual((device['orgId'], device['templateId'], device['productId']), (4711, TEMPLATE, TEMPLATE_NUMBER))
        status, fields = self.sim.blynk('GET', '/template/metafields?templateId=%d' % TEMPLATE_NUMBER)
        self.assertEqual(status, 200)
        by_name = {f['name']: f['id'] for f in fields}
        for name in ('Device EUI', 'Join EUI', 'Application Key', 'TheThingsNetwork Device'):
            self.assertIn(name, by_name)
        status, _ = self.sim.blynk('POST', '/device/metafield', {
            'deviceId': device['id'], 'metaFieldId': by_name['Device EUI'], 'newValue': '0018B20000000101'})
        self.assertEqual(status, 200)
        status, got = self.sim.blynk('GET', '/device?deviceId=%d' % device['id'])
        self.assertEqual(status, 200)
        values = {f['name']: f['value'] for f in got['metaFields']}
        self.assertEqual(values['Device EUI'], '0018B20000000101')
        self.assertEqual(values['Device Name'], 'Soil sensor 01')
        status, found = self.sim.blynk('GET', '/search/devices?query=soil%20SENSOR%2001')
        self.assertEqual([d['id'] for d in found], [device['id']])
        self.assertEqual(self.sim.blynk('GET', '/search/devices?query=nothing')[1], [])
        self.assertEqual([d['id'] for d in self.sim.blynk('GET', '/devices')[1]], [device['id']])
        state = self.sim.state()
        self.assertEqual(state['blynk']['devices'][0]['metaFields'][1]['value'], '0018B20000000101')
        self.assertEqual(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id'])[0], 200)
        self.assertBlynkError(self.sim.blynk('GET', '/device?deviceId=%d' % device['id']), 404)
        self.assertBlynkError(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id']), 404)

    def test_template_list(self):
        status, templates = self.sim.blynk('GET', '/templates')
        self.assertEqual(status, 200, templates)
        by_code = {t['templateId']: t for t in templates}
        self.assertEqual(by_code[TEMPLATE]['id'], TEMPLATE_NUMBER)
        self.assertEqual(by_code[TEMPLATE]['name'], 'Soil sensor')
        self.assertEqual({f['name'] for f in by_code[TEMPLATE]['metaFields']},
                         {f['name'] for f in self.sim.blynk('GET', '/template/metafields?templateId=%d' % TEMPLATE_NUMBER)[1]})
        self.assertIn('TMPLs3cNdT2pQ', by_code)
        self.assertBlynkError(self.sim.blynk('GET', '/templates', token='not-a-token'), 401)
        # As a server without the listing; reset brings it back.
        self.assertEqual(self.sim.admin('POST', '/_admin/settings', {'blynk': {'template_list': False}})[0], 200)
        self.assertBlynkError(self.sim.blynk('GET', '/templates'), 404)
        self.sim.reset()
        self.assertEqual(self.sim.blynk('GET', '/templates')[0], 200)

    def test_create_rejections(self):
        self.assertIn('TMPLnope', self.assertBlynkError(self.create(template='TMPLnope'), 404))
        self.assertBlynkError(self.create(template=TEMPLATE_NUMBER), 400)
        self.assertBlynkError(self.create(owner=999), 404)
        self.assertBlynkError(self.create(owner='12345'), 400)
        for name in ('', '   ', 'x' * 51, ' padded', 'tab\there', None):
            self.assertBlynkError(self.create(name=name), 400)
        self.assertEqual(self.create(name='x' * 50)[0], 200)
        self.assertBlynkError(self.sim.blynk('POST', '/device/create', {'templateId': TEMPLATE, 'name': 'a',
                                                                      'ownerId': OWNER, 'extra': 1}), 400)
        self.assertBlynkError(self.sim.blynk('POST', '/device/create', [1, 2]), 400)
        token = self.sim.blynk_token()[1]['access_token']
        status, body, _ = self.sim.request('POST', '/api/v1/organization/device/create',
                                           raw=b'{"templateId": "TMPL4pXgRt1Kz", "name": "a", "ownerId": 12345}',
                                           headers={'Authorization': 'Bearer ' + token,
                                                    'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertBlynkError((status, body), 415)
        status, body, _ = self.sim.request('POST', '/api/v1/organization/device/create', raw=b'{not json',
                                           headers={'Authorization': 'Bearer ' + token})
        self.assertBlynkError((status, body), 400)
        names = [r['name'] for r in self.sim.state()['rejected']]
        self.assertIn('template_not_found', names)
        self.assertIn('name_too_long', names)

    def test_metafield_rejections(self):
        status, device = self.create()
        self.assertBlynkError(self.sim.blynk('GET', '/template/metafields?templateId=%s' % TEMPLATE), 400)
        self.assertBlynkError(self.sim.blynk('GET', '/template/metafields?templateId=999'), 404)
        set_mf = lambda **kw: self.sim.blynk('POST', '/device/metafield', dict({'deviceId': device['id'], 'metaFieldId': 2, 'newValue': 'v'}, **kw))
        self.assertEqual(set_mf()[0], 200)
        self.assertBlynkError(set_mf(deviceId=999999), 404)
        self.assertBlynkError(set_mf(metaFieldId=21), 404)
        self.assertBlynkError(set_mf(newValue=5), 400)
        self.assertBlynkError(set_mf(newValue='x' * 256), 400)
        self.assertBlynkError(set_mf(deviceId=str(device['id'])), 400)
        # The DeviceName metafield renames the device, under the name rules.
        self.assertEqual(set_mf(metaFieldId=1, newValue='Renamed')[0], 200)
        self.assertEqual(self.sim.blynk('GET', '/device?deviceId=%d' % device['id'])[1]['name'], 'Renamed')
        self.assertBlynkError(set_mf(metaFieldId=1, newValue=''), 400)
        self.assertBlynkError(self.sim.blynk('GET', '/device?deviceId=abc'), 400)
        self.assertBlynkError(self.sim.blynk('GET', '/search/devices'), 400)


class StaticTokens(SimTestCase):
    def claim(self, token, user=OWNER):
        return self.sim.blynk('POST', '/static-tokens/claim', {'token': token, 'userId': user})

    def test_claim(self):
        status, device = self.claim(STATIC_TOKENS[1] + '+4711')
        self.assertEqual(status, 200, device)
        self.assertEqual(device['templateId'], TEMPLATE)
        self.assertEqual(device['ownerUserId'], OWNER)
        state = self.sim.state()
        self.assertEqual(state['blynk']['static_tokens'][STATIC_TOKENS[1]]['device_id'], device['id'])
        self.assertEqual(self.claim(STATIC_TOKENS[0])[0], 200)

    def test_claim_rejections(self):
        self.assertBlynkError(self.claim('sqr_short'), 400)
        self.assertBlynkError(self.claim(STATIC_TOKENS[0][4:]), 400)
        self.assertBlynkError(self.claim(STATIC_TOKENS[0] + '+1234'), 403)
        self.assertBlynkError(self.claim('sqr_' + 'A' * 32), 404)
        self.assertBlynkError(self.claim(STATIC_TOKENS[2], user=999), 404)
        status, device = self.claim(STATIC_TOKENS[2])
        self.assertEqual(status, 200)
        self.assertIn('already claimed', self.assertBlynkError(self.claim(STATIC_TOKENS[2] + '+4711'), 400))
        # Deleting the device frees the token.
        self.assertEqual(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id'])[0], 200)
        self.assertEqual(self.claim(STATIC_TOKENS[2])[0], 200)

    def test_sample_tokens_present(self):
        import os
        csv = os.path.join(os.path.dirname(__file__), '..', '..', 'data', 'samples', 'devices.csv')
        with open(csv) as f:
            tokens = {line.split(',')[3] for line in f.read().splitlines()[1:] if line.split(',')[3]}
        self.assertEqual(tokens, set(self.sim.state()['blynk']['static_tokens']))


class OAuth(SimTestCase):
    def test_token(self):
        status, body, _ = self.sim.blynk_token()
        self.assertEqual(status, 200)
        self.assertEqual(body['token_type'], 'Bearer')
        self.assertEqual(body['expires_in'], 3600)

    def test_bad_client(self):
        for client, secret in ((CLIENT_ID, 'wrong'), ('nobody', 'x')):
            status, body, headers = self.sim.blynk_token(client, secret)
            self.assertEqual((status, body['error']), (401, 'invalid_client'))
            self.assertIn('error_description', body)
            self.assertTrue(headers['WWW-Authenticate'].startswith('Basic'))
        status, body, _ = self.sim.request('POST', '/oauth2/token?grant_type=client_credentials')
        self.assertEqual((status, body['error']), (401, 'invalid_client'))

    def test_grant_type(self):
        basic = 'Basic ' + base64.b64encode(('%s:%s' % (CLIENT_ID, 'SimulatorClientSecret0000000001')).encode()).decode()
        status, body, _ = self.sim.request('POST', '/oauth2/token?grant_type=password', headers={'Authorization': basic})
        self.assertEqual((status, body['error']), (400, 'unsupported_grant_type'))
        status, body, _ = self.sim.request('POST', '/oauth2/token', headers={'Authorization': basic})
        self.assertEqual((status, body['error']), (400, 'invalid_request'))
        status, body, _ = self.sim.request('POST', '/oauth2/token', raw=b'grant_type=client_credentials',
                                           headers={'Authorization': basic,
                                                    'Content-Type': 'application/x-www-form-urlencoded'})
        self.assertEqual(status, 200)

    def test_bearer_rules(self):
        self.assertBlynkError(self.sim.blynk('GET', '/devices', token='not-a-token'), 401)
        status, body, headers = self.sim.request('GET', '/api/v1/organization/devices')
        self.assertEqual(status, 401)
        self.assertIn('invalid_token', headers['WWW-Authenticate'])

    def test_expiry(self):
        self.assertEqual(self.sim.admin('POST', '/_admin/settings', {'blynk': {'token_lifetime_s': 0.8}})[0], 200)
        status, body, _ = self.sim.blynk_token()
        self.assertEqual(body['expires_in'], 1)
        token = body['access_token']
        self.assertEqual(self.sim.blynk('GET', '/devices', token=token)[0], 200)
        time.sleep(0.9)
        self.assertIn('expired', self.assertBlynkError(self.sim.blynk('GET', '/devices', token=token), 401))
        token = self.sim.blynk_token()[1]['access_token']
        self.sim.admin('POST', '/_admin/blynk/expire-tokens')
        self.assertBlynkError(self.sim.blynk('GET', '/devices', token=token), 401)

    def test_bad_settings(self):
        for body in ({'blynk': {'token_lifetime': 5}}, {'blynk': {'rate_limit_per_minute': -1}}, {'tts': {}},
                     {'blynk': []}, {'blynk': {'template_list': 0}}):
            self.assertEqual(self.sim.admin('POST', '/_admin/settings', body)[0], 400, body)

    def test_reset_restores_lifetime(self):
        self.sim.admin('POST', '/_admin/settings', {'blynk': {'token_lifetime_s': 5}})
        self.assertEqual(self.sim.blynk_token()[1]['expires_in'], 5)
        self.sim.reset()
        self.assertEqual(self.sim.blynk_token()[1]['expires_in'], 3600)


class RateLimit(SimTestCase):
    def test_per_minute_limit(self):
        self.sim.admin('POST', '/_admin/settings', {'blynk': {'rate_limit_per_minute': 3}})
        token = self.sim.blynk_token()[1]['access_token']
        for _ in range(3):
            self.assertEqual(self.sim.blynk('GET', '/devices', token=token)[0], 200)
        status, body, headers = self.sim.request('GET', '/api/v1/organization/devices',
                                                 headers={'Authorization': 'Bearer ' + token})
        self.assertEqual(status, 429)
        self.assertIn('message', body['error'])
        self.assertTrue(1 <= int(headers['Retry-After']) <= 60)


class Redirect(SimTestCase):
    def test_wrong_region_redirects(self):
        status, body, headers = self.sim.blynk_token(port=self.sim.redirect_port)
        self.assertEqual(status, 308)
        location = headers['Location']
        self.assertEqual(location, 'http://127.0.0.1:%d/oauth2/token?grant_type=client_credentials' % self.sim.port)
        self.assertIn('message', body['error'])
        # Following it works.
        self.assertEqual(self.sim.blynk_token()[0], 200)
        self.assertEqual(self.sim.state()['counts']['redirect'], 1)
        log = self.sim.state()['log']
        self.assertEqual((log[0]['listener'], log[0]['endpoint'], log[0]['status']), ('redirect', 'redirect', 308))


if __name__ == '__main__':
    unittest.main()
