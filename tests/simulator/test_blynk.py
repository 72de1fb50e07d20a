"""Blynk Platform API endpoints."""

import unittest

from simtest import OWNER, STATIC_TOKENS, TEMPLATE, TEMPLATE_NUMBER, SimTestCase


class Devices(SimTestCase):
    def test_create_and_set_metafields(self):
        status, device = self.sim.blynk('POST', '/device/create',
                                        {'templateId': TEMPLATE, 'name': 'Soil sensor 01', 'ownerId': OWNER})
        self.assertEqual(status, 200, device)
        self.assertIsInstance(device['id'], int)
        self.assertEqual(len(device['token']), 32)
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
        status, found = self.sim.blynk('GET', '/search/devices?query=soil%20SENSOR%2001')
        self.assertEqual([d['id'] for d in found], [device['id']])
        self.assertEqual(self.sim.blynk('DELETE', '/device?deviceId=%d' % device['id'])[0], 200)
        self.assertBlynkError(self.sim.blynk('GET', '/device?deviceId=%d' % device['id']), 404)

    def test_claim_static_token(self):
        status, device = self.sim.blynk('POST', '/static-tokens/claim', {'token': STATIC_TOKENS[1] + '+4711', 'userId': OWNER})
        self.assertEqual(status, 200, device)
        self.assertEqual(device['templateId'], TEMPLATE)
        state = self.sim.state()
        self.assertEqual(state['blynk']['static_tokens'][STATIC_TOKENS[1]]['device_id'], device['id'])

    def test_token(self):
        status, body, _ = self.sim.blynk_token()
        self.assertEqual(status, 200)
        self.assertEqual(body['token_type'], 'Bearer')
        self.assertGreater(body['expires_in'], 0)


if __name__ == '__main__':
    unittest.main()
