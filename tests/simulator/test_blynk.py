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
        self.assertEqual(status, 201, device)
        self.assertIsInstance(device['id'], int)
        self.assertEqual(len(device['token']), 32)
        self.assertEqual((device['orgId'], device['templateId'], device['ownerUserId']), (4711, TEMPLATE_NUMBER, OWNER))
        self.assertEqual(device['hardwareInfo']['templateId'], TEMPLATE)
        self.assertNotIn('productId', device)
        self.assertNotIn('metaFieldValues', device)
        status, fields = self.sim.blynk('GET', '/template/metafields?templateId=%d' % TEMPLATE_NUMBER)
        self.assertEqual(status, 200)
        self.assertIsInstance(fields, list)
        by_name = {f['name']: f['id'] for f in fields}
        for name in ('Device EUI', 'Join EUI', 'Application Key', 'TheThingsNetwork Device'):
            self.assertIn(name, by_name)
        status, body = self.sim.blynk('POST', '/device/metafield', {
            'deviceId': device['id'], 'metaFieldId': by_name['Device EUI'], 'newValue': '0018B20000000101'})
        self.assertEqual((status, body), (204, None))
        status, got = self.sim.blynk('GET', '/device?deviceId=%d' % device['id'])
        self.assertEqual(status, 200)
        values = {f['name']: f['value'] for f in got['metaFieldValues']}
        self.assertEqual(values['Device EUI'], {'type': 'Text', 'value': '0018B20000000101'})
        self.assertEqual(values['Device Name'], {'type': 'DeviceName', 'value': 'Soil sensor 01'})
        status, plain = self.sim.blynk('GET', '/device/metafield?deviceId=%d' % device['id'])
        self.assertIn({'id': by_name['Device EUI'], 'name': 'Device EUI', 'value': '0018B20000000101'}, plain)
        status, base = self.sim.blynk('GET', '/device/baseInfo?deviceId=%d' % device['id'])
        self.assertNotIn('metaFieldValues', base)
        status, found = self.sim.blynk('GET', '/search/devices?query=soil%20SENSOR%2001')
        self.assertEqual([d['id'] for d in found['content']], [device['id']])
        self.assertEqual(found['totalElements'], 1)
        self.assertEqual(self.sim.blynk('GET', '/search/devices?query=nothing')[1], {'content': [], 'totalElements': 0})
        self.assertEqual([d['id'] for d in self.sim.blynk('GET', '/devices')[1]['content']], [device['id']])
        state = self.sim.state()
        self.assertEqual(state['blynk']['devices'][0]['metaFields'][1]['value'], '0018B20000000101')
        status, renamed = self.sim.blynk('PUT', '/device?deviceId=%d' % device['id'], {'name': 'Renamed'})
        self.assertEqual((status, renamed['name']), (200, 'Renamed'))
        self.assertEqual(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id']), (204, None))
        message = self.assertBlynkError(self.sim.blynk('GET', '/device?deviceId=%d' % device['id']), 404)
        self.assertEqual(message, 'Device with identifier %d is not found or belong to another organization.' % device['id'])
        self.assertBlynkError(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id']), 404)

    def test_pages(self):
        """Default size 20, at most 100: 25 devices need two default pages."""
        for i in range(25):
            self.assertEqual(self.create(name='Row %02d' % i)[0], 201)
        status, first = self.sim.blynk('GET', '/devices')
        self.assertEqual((status, len(first['content']), first['totalElements']), (200, 20, 25))
        second = self.sim.blynk('GET', '/devices?page=1')[1]
        self.assertEqual(len(second['content']), 5)
        self.assertEqual({d['id'] for d in first['content']} & {d['id'] for d in second['content']}, set())
        self.assertEqual(len(self.sim.blynk('GET', '/devices?size=100')[1]['content']), 25)
        self.assertEqual(len(self.sim.blynk('GET', '/search/devices?query=Row&size=7&page=3')[1]['content']), 4)
        self.assertEqual(self.sim.blynk('GET', '/devices?page=9')[1], {'content': [], 'totalElements': 25})
        for bad in ('size=0', 'size=101', 'size=x', 'page=-1'):
            self.assertBlynkError(self.sim.blynk('GET', '/devices?' + bad), 400)
        templates = self.sim.blynk('GET', '/templates?size=1')[1]
        self.assertEqual((len(templates['content']), templates['totalElements']), (1, 4))
        self.assertBlynkError(self.sim.blynk('GET', '/search/devices?query=' + 'x' * 256), 400)

    def test_template_list(self):
        status, templates = self.sim.blynk('GET', '/templates')
        self.assertEqual(status, 200, templates)
        by_code = {code: t for t in templates['content'] for code in t['templateIds']}
        self.assertEqual(by_code[TEMPLATE]['id'], TEMPLATE_NUMBER)
        self.assertEqual(by_code[TEMPLATE]['name'], 'Soil sensor')
        self.assertEqual(by_code[TEMPLATE]['orgId'], 4711)
        self.assertIn('TMPLs3cNdT2pQ', by_code)
        self.assertBlynkError(self.sim.blynk('GET', '/templates', token='not-a-token'), 401)

    def test_create_rejections(self):
        self.assertEqual(self.assertBlynkError(self.create(template='TMPLnope'), 404), 'Template is not found.')
        self.assertBlynkError(self.create(template=TEMPLATE_NUMBER), 400)
        self.assertEqual(self.assertBlynkError(self.create(owner=999), 404),
                         'User is not found or you don\'t have access to him.')
        self.assertBlynkError(self.create(owner='12345'), 400)
        for name in ('', '   ', 'x' * 51, ' padded', 'tab\there', None):
            self.assertBlynkError(self.create(name=name), 400)
        self.assertEqual(self.create(name='x' * 50)[0], 201)
        self.assertBlynkError(self.sim.blynk('POST', '/device/create', {'templateId': TEMPLATE, 'name': 'a',
                                                                      'ownerId': OWNER, 'extra': 1}), 400)
        self.assertEqual(self.assertBlynkError(self.sim.blynk('POST', '/device/create', {
            'templateId': TEMPLATE, 'name': 'a', 'ownerId': OWNER, 'orgId': 1}), 404),
            'Organization is not found or you don\'t have access to it.')
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
        self.assertEqual(self.assertBlynkError(self.sim.blynk('GET', '/template/metafields?templateId=999'), 404),
                         'Template is not found or you don\'t have access to it.')
        set_mf = lambda **kw: self.sim.blynk('POST', '/device/metafield', dict({'deviceId': device['id'], 'metaFieldId': 2, 'newValue': 'v'}, **kw))
        self.assertEqual(set_mf()[0], 204)
        self.assertBlynkError(set_mf(deviceId=999999), 404)
        self.assertEqual(self.assertBlynkError(set_mf(metaFieldId=21), 404), 'Meta field is not found.')
        self.assertEqual(self.assertBlynkError(set_mf(newValue=5), 400), 'The provided value for metafield is invalid.')
        self.assertBlynkError(set_mf(newValue='x' * 256), 400)
        self.assertBlynkError(set_mf(deviceId=str(device['id'])), 400)
        # The DeviceName metafield renames the device, under the name rules.
        self.assertEqual(set_mf(metaFieldId=1, newValue='Renamed')[0], 204)
        self.assertEqual(self.sim.blynk('GET', '/device?deviceId=%d' % device['id'])[1]['name'], 'Renamed')
        self.assertBlynkError(set_mf(metaFieldId=1, newValue=''), 400)
        self.assertBlynkError(self.sim.blynk('GET', '/device?deviceId=abc'), 400)
        self.assertBlynkError(self.sim.blynk('GET', '/search/devices'), 400)


class StaticTokens(SimTestCase):
    def claim(self, token, user=OWNER):
        return self.sim.blynk('POST', '/static-tokens/claim', {'token': token, 'userId': user})

    def token_entry(self, token):
        status, page = self.sim.blynk('GET', '/static-tokens?size=100')
        self.assertEqual(status, 200)
        return next(t for t in page['content'] if t['token'] == token)

    def test_claim(self):
        entry = self.token_entry(STATIC_TOKENS[1])
        self.assertEqual((entry['status'], entry['deviceId'], entry['ownerId'], entry['productId']),
                         ('UNCLAIMED', 0, 0, TEMPLATE_NUMBER))
        status, device = self.claim(STATIC_TOKENS[1] + '+4711')
        self.assertEqual(status, 200, device)
        self.assertEqual(device['hardwareInfo']['templateId'], TEMPLATE)
        self.assertEqual(device['ownerUserId'], OWNER)
        entry = self.token_entry(STATIC_TOKENS[1])
        self.assertEqual((entry['status'], entry['deviceId'], entry['ownerId'], entry['claimedOrgId']),
                         ('CLAIMED', device['id'], OWNER, 4711))
        self.assertEqual(entry['deviceToken'], device['token'])
        state = self.sim.state()
        self.assertEqual(state['blynk']['static_tokens'][STATIC_TOKENS[1]]['device_id'], device['id'])
        status, other = self.claim(STATIC_TOKENS[0], user=12346)
        self.assertEqual((status, other['ownerUserId']), (200, 12346))
        self.assertEqual(self.token_entry(STATIC_TOKENS[0])['ownerId'], 12346)

    def test_claim_empty_answer(self):
        self.assertEqual(self.sim.admin('POST', '/_admin/settings', {'blynk': {'claim_answer': 'empty'}})[0], 200)
        self.assertEqual(self.claim(STATIC_TOKENS[3]), (204, None))
        self.assertEqual(self.token_entry(STATIC_TOKENS[3])['status'], 'CLAIMED')
        self.assertEqual(self.sim.admin('POST', '/_admin/settings', {'blynk': {'claim_answer': 'maybe'}})[0], 400)

    def test_claim_answer_delay(self):
        """The claim takes effect before its delayed answer leaves: a client
        killed meanwhile has claimed without knowing it."""
        self.sim.admin('POST', '/_admin/faults', {'endpoints': {'blynk.claim': {'answer_delay_ms': 600}}})
        import threading
        answers = []
        thread = threading.Thread(target=lambda: answers.append(self.claim(STATIC_TOKENS[2])))
        thread.start()
        time.sleep(0.3)
        self.assertEqual(self.token_entry(STATIC_TOKENS[2])['status'], 'CLAIMED')
        self.assertEqual(answers, [])
        thread.join(5)
        self.assertEqual(answers[0][0], 200)

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
        self.assertEqual(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id'])[0], 204)
        self.assertEqual(self.token_entry(STATIC_TOKENS[2])['status'], 'UNCLAIMED')
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
        self.assertEqual(body['expires_in'], 300)
        self.assertIsInstance(body['refresh_token'], str)

    def test_bad_client(self):
        for client, secret in ((CLIENT_ID, 'wrong'), ('nobody', 'x')):
            status, body, _ = self.sim.blynk_token(client, secret)
            self.assertEqual(status, 400)
            self.assertEqual(body, {'error': 'invalid_client',
                                    'error_description': 'Client ID is not found or password is wrong.'})
        status, body, _ = self.sim.request('POST', '/oauth2/token?grant_type=client_credentials')
        self.assertEqual((status, body['error']), (400, 'invalid_client'))

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
        refresh = body['refresh_token']
        status, body, _ = self.sim.request('POST', '/oauth2/token?grant_type=refresh_token&refresh_token=' + refresh,
                                           headers={'Authorization': basic})
        self.assertEqual(status, 200)
        status, body, _ = self.sim.request('POST', '/oauth2/token?grant_type=refresh_token&refresh_token=' + refresh,
                                           headers={'Authorization': basic})
        self.assertEqual((status, body['error']), (400, 'invalid_grant'))

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
                     {'blynk': []}, {'blynk': {'claim_answer': 0}}):
            self.assertEqual(self.sim.admin('POST', '/_admin/settings', body)[0], 400, body)

    def test_reset_restores_lifetime(self):
        self.sim.admin('POST', '/_admin/settings', {'blynk': {'token_lifetime_s': 5}})
        self.assertEqual(self.sim.blynk_token()[1]['expires_in'], 5)
        self.sim.reset()
        self.assertEqual(self.sim.blynk_token()[1]['expires_in'], 300)


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
