"""The Device Repository's GetTemplate by TR005 profile identifiers."""

import unittest

from simtest import APP, KEY_OTHER_APP, KEY_READ_ONLY, SimTestCase


def path(profile_id, app=None):
    """A label's Profile ID (8 hex digits) as the decimal path the API takes."""
    vendor, profile = int(profile_id[:4], 16), int(profile_id[4:], 16)
    prefix = '/dr/applications/%s' % app if app else '/dr'
    return '%s/vendors/%d/profiles/%d/template' % (prefix, vendor, profile)


class Template(SimTestCase):
    def test_label_profile_id_is_decimal_in_the_path(self):
        self.assertEqual(path('000AF8BE'), '/dr/vendors/10/profiles/63678/template')

    def test_soil_sensor(self):
        status, body = self.sim.tts('GET', path('000AF8BE'))
        self.assertEqual(status, 200, body)
        self.assertEqual(body, {
            'end_device': {'version_ids': {'brand_id': 'acme-sensors', 'model_id': 'soil-sensor',
                                           'hardware_version': '1.0', 'firmware_version': '1.2',
                                           'band_id': 'EU_863_870'},
                           'supports_join': True, 'lorawan_version': 'MAC_V1_0_3',
                           'lorawan_phy_version': 'PHY_V1_0_3_REV_A', 'mac_settings': {}},
            'field_mask': {'paths': ['version_ids', 'supports_join', 'supports_class_b', 'supports_class_c',
                                     'lorawan_version', 'lorawan_phy_version']}})

    def test_class_c_model_with_another_mac_version(self):
        status, body = self.sim.tts('GET', path('000AF8BF', APP), key=KEY_READ_ONLY)
        self.assertEqual(status, 200, body)
        device = body['end_device']
        self.assertEqual((device['lorawan_version'], device['lorawan_phy_version'], device['supports_class_c']),
                         ('MAC_V1_0_4', 'RP002_V1_0_1', True))
        self.assertNotIn('supports_class_b', device)
        self.assertEqual(device['mac_settings'], {'class_c_timeout': '60s'})
        self.assertIn('mac_settings.class_c_timeout', body['field_mask']['paths'])

    def test_us915_model_and_one_without_a_band(self):
        self.assertEqual(self.sim.tts('GET', path('000A1234'))[1]['end_device']['version_ids']['band_id'], 'US_902_928')
        status, body = self.sim.tts('GET', path('000AFFFF'))
        self.assertEqual(status, 200, body)
        self.assertNotIn('band_id', body['end_device']['version_ids'])

    def test_any_authenticated_key_may_ask(self):
        # GetTemplate checks authentication only, not the application's rights.
        self.assertEqual(self.sim.tts('GET', path('000AF8BE', APP), key=KEY_OTHER_APP)[0], 200)
        for key in (None, 'NNSXS.NOSUCHKEY00000000000.SECRET'):
            detail = self.assertTTSError(self.sim.tts('GET', path('000AF8BE'), key=key), 401, 'unauthenticated')
            self.assertEqual(detail['namespace'], 'pkg/auth/rights')

    def test_errors(self):
        detail = self.assertTTSError(self.sim.tts('GET', path('000A0001')), 404, 'end_device_profile_not_found')
        self.assertEqual((detail['namespace'], detail['attributes']),
                         ('pkg/devicerepository/store/bleve', {'vendor_id': 10, 'vendor_profile_id': 1}))
        detail = self.assertTTSError(self.sim.tts('GET', path('0000F8BE')), 400, 'validation')
        self.assertEqual((detail['attributes']['field'], detail['cause']['attributes']['field']),
                         ('end_device_profile_ids', 'vendor_id'))
        self.assertTTSError(self.sim.tts('GET', path('000A0000')), 400, 'missing_profile_identifiers')
        for bad in ('/dr/vendors/0x0A/profiles/1/template', '/dr/vendors/10/profiles/-1/template',
                    '/dr/vendors/10/profiles/4294967296/template'):
            result = self.sim.tts('GET', bad)
            self.assertDecodeError(result)
            self.assertIn('type mismatch', result[1]['message'])
        self.assertTTSError(self.sim.tts('GET', path('000AF8BE', 'Bad_App')), 400, 'validation')


if __name__ == '__main__':
    unittest.main()
