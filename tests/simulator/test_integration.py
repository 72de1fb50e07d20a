"""Blynk's The Things Stack integration: Automated Device Onboarding (PRO)
and the first-uplink import (Free plan)."""

import time
import unittest

from simtest import APP, OWNER, TEMPLATE, SimTestCase

DEV_EUI, JOIN_EUI, APP_KEY = '0018B20000000301', '70B3D57ED0000030', 'FE129A793DB74CCBB6F273BC8B81D905'
RENAMED = 'TMPLq7RnAmEd2'
CLASS_C = 'TMPLx5DoorC2k'


class Integration(SimTestCase):
    def setUp(self):
        super().setUp()
        self.bearer = self.sim.blynk_token()[1]['access_token']

    def configure(self, template=TEMPLATE, **settings):
        status, body = self.sim.admin('POST', '/_admin/blynk/integration', dict(settings, template_id=template))
        self.assertEqual(status, 200, body)
        return body

    def blynk_device(self, template=TEMPLATE, name='Box 301'):
        status, device = self.sim.blynk('POST', '/device/create',
                                        {'templateId': template, 'name': name, 'ownerId': OWNER}, self.bearer)
        self.assertEqual(status, 201, device)
        return device['id']

    def fields(self, device_id):
        return {f['name']: f['id'] for f in self.sim.blynk('GET', '/device/metafield?deviceId=%d' % device_id,
                                                          token=self.bearer)[1]}

    def write(self, device_id, values):
        ids = self.fields(device_id)
        for name, value in values.items():
            status, body = self.sim.blynk('POST', '/device/metafield', {
                'deviceId': device_id, 'metaFieldId': ids[name], 'newValue': value}, self.bearer)
            self.assertEqual(status, 204, body)

    def value(self, device_id, name):
        device = next(d for d in self.sim.state()['blynk']['devices'] if d['id'] == device_id)
        return next(f['value'] for f in device['metaFields'] if f['name'] == name)

    def keys(self, field='Application Key'):
        return {'Device EUI': DEV_EUI, 'Join EUI': JOIN_EUI, field: APP_KEY}

    def test_off_creates_nothing(self):
        self.write(self.blynk_device(), self.keys())
        state = self.sim.state()
        self.assertEqual(state['tts']['is'], {})
        self.assertEqual(state['blynk']['integration']['created'], [])

    def test_creates_in_all_four_components_then_writes_the_id_back(self):
        self.configure(enabled=True, device_id_scheme='blynk-{blynk_id}')
        blynk_id = self.blynk_device()
        self.write(blynk_id, {'Device EUI': DEV_EUI, 'Join EUI': JOIN_EUI})
        self.assertEqual(self.sim.state()['tts']['is'], {})  # not before all three are set
        self.write(blynk_id, {'Application Key': APP_KEY.lower()})
        state = self.sim.state()
        key = '%s/blynk-%d' % (APP, blynk_id)
        self.assertEqual(sorted(c for c in ('is', 'js', 'ns', 'as') if key in state['tts'][c]),
                         ['as', 'is', 'js', 'ns'])
        self.assertEqual(state['tts']['is'][key]['ids']['dev_eui'], DEV_EUI)
        self.assertEqual(state['tts']['js'][key]['root_keys']['app_key']['key'], APP_KEY)
        self.assertEqual((state['tts']['ns'][key]['lorawan_version'], state['tts']['ns'][key]['frequency_plan_id']),
                         ('MAC_V1_0_3', 'EU_863_870_TTN'))
        self.assertEqual(self.value(blynk_id, 'TheThingsNetwork Device'), 'blynk-%d' % blynk_id)
        created = state['blynk']['integration']['created']
        self.assertEqual([(c['device_id'], c['dev_eui'], c['blynk_device_id']) for c in created],
                         [('blynk-%d' % blynk_id, DEV_EUI, blynk_id)])
        # Not the client's requests: nothing counted or logged for TTS.
        self.assertEqual([e for e in state['counts'] if e.startswith('tts')], [])
        # Writing the same values again does not act twice.
        self.write(blynk_id, {'Application Key': APP_KEY})
        self.assertEqual(len(self.sim.state()['blynk']['integration']['created']), 1)

    def test_without_write_back_the_field_stays_empty(self):
        self.configure(enabled=True, write_back=False)
        blynk_id = self.blynk_device()
        self.write(blynk_id, self.keys())
        self.assertIn('%s/eui-%s' % (APP, DEV_EUI.lower()), self.sim.state()['tts']['is'])
        self.assertEqual(self.value(blynk_id, 'TheThingsNetwork Device'), '')

    def test_delay(self):
        self.configure(enabled=True, delay_s=0.6)
        blynk_id = self.blynk_device()
        self.write(blynk_id, self.keys())
        state = self.sim.state()
        self.assertEqual((state['tts']['is'], state['blynk']['integration']['pending']), ({}, 1))
        deadline = time.monotonic() + 10
        while not self.sim.state()['tts']['as'] and time.monotonic() < deadline:
            time.sleep(0.1)
        self.assertEqual(self.value(blynk_id, 'TheThingsNetwork Device'), 'eui-' + DEV_EUI.lower())
        self.assertEqual(self.sim.state()['blynk']['integration']['pending'], 0)

    def test_reset_cancels_what_is_pending(self):
        self.configure(enabled=True, delay_s=1.5)
        self.write(self.blynk_device(), self.keys())
        self.assertEqual(self.sim.state()['blynk']['integration']['pending'], 1)
        self.sim.reset()
        time.sleep(2)
        state = self.sim.state()
        self.assertEqual((state['tts']['is'], state['blynk']['integration']['templates'][TEMPLATE]['enabled']),
                         ({}, False))

    def test_an_existing_device_stops_it(self):
        status, body = self.sim.is_create(DEV_EUI, JOIN_EUI, device_id='made-by-onboarder')
        self.assertEqual(status, 200, body)
        self.configure(enabled=True)
        blynk_id = self.blynk_device()
        self.write(blynk_id, self.keys())
        state = self.sim.state()
        self.assertEqual(list(state['tts']['is']), ['%s/made-by-onboarder' % APP])
        self.assertEqual(state['tts']['js'], {})
        refused = state['blynk']['integration']['refused']
        self.assertEqual([(r['step'], r['status'], r['name']) for r in refused], [('is', 409, 'end_device_euis_taken')])
        self.assertEqual(self.value(blynk_id, 'TheThingsNetwork Device'), '')

    def test_a_renamed_key_field(self):
        self.configure(RENAMED, enabled=True)
        blynk_id = self.blynk_device(RENAMED)
        self.write(blynk_id, self.keys('AppKey'))
        key = '%s/eui-%s' % (APP, DEV_EUI.lower())
        self.assertEqual(self.sim.state()['tts']['js'][key]['root_keys']['app_key']['key'], APP_KEY)

    def test_the_templates_lorawan_settings(self):
        self.configure(CLASS_C, enabled=True)
        self.write(self.blynk_device(CLASS_C), self.keys())
        ns = self.sim.state()['tts']['ns']['%s/eui-%s' % (APP, DEV_EUI.lower())]
        self.assertEqual((ns['lorawan_version'], ns['lorawan_phy_version'], ns['supports_class_c']),
                         ('MAC_V1_0_4', 'RP002_V1_0_1', True))

    def test_admin_refuses_bad_settings(self):
        for body in ({'template_id': 'TMPLs3cNdT2pQ', 'enabled': True}, {'template_id': TEMPLATE, 'enabled': 1},
                     {'template_id': TEMPLATE, 'delay_s': -1}, {'template_id': TEMPLATE, 'colour': 'red'},
                     {'template_id': TEMPLATE, 'device_id_scheme': '{device}'}):
            status, answer = self.sim.admin('POST', '/_admin/blynk/integration', body)
            self.assertEqual(status, 400, body)
            self.assertIsInstance(answer['error'], str)


class Import(SimTestCase):
    def setUp(self):
        super().setUp()
        self.assertEqual(self.sim.register(DEV_EUI, JOIN_EUI), [200, 200, 200, 200])
        self.device_id = 'eui-' + DEV_EUI.lower()

    def uplink(self, device_id=None):
        status, body = self.sim.admin('POST', '/_admin/tts/uplink',
                                      {'application_id': APP, 'device_id': device_id or self.device_id})
        self.assertEqual(status, 200, body)
        return body

    def imported(self):
        status, body = self.sim.admin('GET', '/_admin/blynk/integration')
        self.assertEqual(status, 200, body)
        return body['imported']

    def test_no_import_unless_the_template_imports(self):
        self.assertEqual(self.uplink(), {'imported': False, 'blynk_device_id': None})
        self.assertEqual((self.imported(), self.sim.state()['blynk']['devices']), (0, []))

    def test_first_uplink_imports_once(self):
        self.sim.admin('POST', '/_admin/blynk/integration', {'template_id': TEMPLATE, 'import_on_uplink': True})
        first = self.uplink()
        self.assertTrue(first['imported'], first)
        self.assertEqual(self.uplink(), {'imported': False, 'blynk_device_id': first['blynk_device_id']})
        devices = self.sim.state()['blynk']['devices']
        self.assertEqual([(d['name'], d['templateId']) for d in devices], [(self.device_id, 101)])
        ttn = next(f['value'] for f in devices[0]['metaFields'] if f['name'] == 'TheThingsNetwork Device')
        self.assertEqual((ttn, self.imported()), (self.device_id, 1))

    def test_a_blynk_device_pointing_at_it_prevents_the_import(self):
        self.sim.admin('POST', '/_admin/blynk/integration', {'template_id': TEMPLATE, 'import_on_uplink': True})
        bearer = self.sim.blynk_token()[1]['access_token']
        device = self.sim.blynk('POST', '/device/create', {'templateId': TEMPLATE, 'name': 'Box', 'ownerId': OWNER},
                                bearer)[1]
        self.sim.blynk('POST', '/device/metafield', {'deviceId': device['id'], 'metaFieldId': 5,
                                                     'newValue': self.device_id}, bearer)
        self.assertEqual(self.uplink(), {'imported': False, 'blynk_device_id': device['id']})
        self.assertEqual((self.imported(), len(self.sim.state()['blynk']['devices'])), (0, 1))

    def test_unknown_device(self):
        status, body = self.sim.admin('POST', '/_admin/tts/uplink', {'application_id': APP, 'device_id': 'nope'})
        self.assertEqual(status, 400, body)


if __name__ == '__main__':
    unittest.main()
