"""The Things Stack endpoints: a correct registration, and every strictness
rule with its status and error name."""

import unittest

from simtest import APP, KEY, KEY_NO_KEYS, KEY_OTHER_APP, KEY_READ_ONLY, SimTestCase

DEV = 'eui-0018b20000000101'
IDS = {'device_id': DEV, 'dev_eui': '0018B20000000101', 'join_eui': '70B3D57ED0000010',
       'application_ids': {'application_id': APP}}
NS_PATHS = ['supports_join', 'lorawan_version', 'lorawan_phy_version', 'frequency_plan_id']


def ns_device(**extra):
    dev = {'ids': IDS, 'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
           'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'frequency_plan_id': 'EU_863_870_TTN'}
    dev.update(extra)
    return dev


class Registration(SimTestCase):
    def test_correct_registration(self):
        self.assertEqual(self.sim.register(), [200, 200, 200, 200])
        state = self.sim.state()
        key = '%s/%s' % (APP, DEV)
        for component in ('is', 'js', 'ns', 'as'):
            self.assertIn(key, state['tts'][component])
        self.assertEqual(state['tts']['js'][key]['root_keys']['app_key']['key'],
                         'FE129A793DB74CCBB6F273BC8B81D905')
        self.assertEqual(state['tts']['ns'][key]['frequency_plan_id'], 'EU_863_870_TTN')
        self.assertEqual(state['rejected'], [])

    def test_read_back_with_field_mask(self):
        self.sim.register()
        status, body = self.sim.tts('GET', '/ns/applications/%s/devices/%s?field_mask=lorawan_version,frequency_plan_id' % (APP, DEV))
        self.assertEqual(status, 200, body)
        self.assertEqual(body['lorawan_version'], 'MAC_V1_0_3')
        self.assertEqual(body['frequency_plan_id'], 'EU_863_870_TTN')
        self.assertNotIn('supports_join', body)
        status, body = self.sim.tts('GET', '/js/applications/%s/devices/%s?field_mask=root_keys.app_key.key' % (APP, DEV))
        self.assertEqual(body['root_keys']['app_key']['key'], 'FE129A793DB74CCBB6F273BC8B81D905')
        status, body = self.sim.tts('GET', '/applications/%s/devices/%s?field_mask=network_server_address' % (APP, DEV))
        self.assertEqual(status, 200)
        self.assertEqual(body['ids']['dev_eui'], '0018B20000000101')
        self.assertIn('network_server_address', body)

    def test_lower_case_euis_are_normalised(self):
        status, body = self.sim.is_create('0018b20000000101', '70b3d57ed0000010')
        self.assertEqual(status, 200, body)
        self.assertEqual(body['ids']['dev_eui'], '0018B20000000101')

    def test_delete_in_reverse(self):
        self.sim.register()
        for component in ('as', 'ns', 'js'):
            self.assertEqual(self.sim.tts('DELETE', '/%s/applications/%s/devices/%s' % (component, APP, DEV))[0], 200)
        self.assertEqual(self.sim.tts('DELETE', '/applications/%s/devices/%s' % (APP, DEV))[0], 200)
        state = self.sim.state()
        self.assertEqual([state['tts'][c] for c in ('is', 'js', 'ns', 'as')], [{}, {}, {}, {}])
        self.assertTTSError(self.sim.tts('DELETE', '/js/applications/%s/devices/%s' % (APP, DEV)), 404, 'not_found')
        self.assertTTSError(self.sim.tts('DELETE', '/applications/%s/devices/%s' % (APP, DEV)), 404, 'end_device_not_found')

    def test_auth_info_application_and_plans(self):
        status, body = self.sim.tts('GET', '/auth_info')
        self.assertEqual(status, 200)
        self.assertIn('RIGHT_APPLICATION_DEVICES_WRITE_KEYS', body['api_key']['api_key']['rights'])
        self.assertEqual(body['api_key']['entity_ids']['application_ids']['application_id'], APP)
        self.assertNotIn('key', body['api_key']['api_key'])
        status, body = self.sim.tts('GET', '/applications/%s' % APP)
        self.assertEqual((status, body['ids']['application_id']), (200, APP))
        status, body = self.sim.tts('GET', '/configuration/frequency-plans', key=None)
        self.assertEqual(status, 200)
        ids = [p['id'] for p in body['frequency_plans']]
        self.assertIn('EU_863_870_TTN', ids)
        self.assertIn('US_902_928_FSB_2', ids)
        status, body = self.sim.tts('GET', '/configuration/frequency-plans?band_id=US_902_928', key=None)
        self.assertEqual([p['id'] for p in body['frequency_plans']], ['US_902_928_FSB_2'])


if __name__ == '__main__':
    unittest.main()
