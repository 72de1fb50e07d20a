/* zxing-peer.cpp: zxing-cpp as the benchmark's peer decoder (never in the product) */

#define ZX_USE_UTF8 1

#include <ZXing/ReadBarcode.h>
#include <vector>

#include "zxing-peer.h"

static bool
read_into (GPtrArray *found, const guint8 *luma, guint width, guint height, gsize stride)
{
  ZXing::DecodeHints hints;
  bool any = false;

  hints.setFormats (ZXing::BarcodeFormat::QRCode);
  for (const auto &result : ZXing::ReadBarcodes (ZXing::ImageView (luma, (int) width, (int) height, ZXing::ImageFormat::Lum,
                                                                   (int) stride), hints))
    if (result.isValid ())
      {
        const auto &bytes = result.bytes ();

        g_ptr_array_add (found, g_bytes_new (bytes.data (), bytes.size ()));
        any = true;
      }
  return any;
}

GPtrArray *
zxing_peer_decode (const guint8 *luma, guint width, guint height, gsize stride)
{
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);

  if (!read_into (found, luma, width, height, stride))
    {
      std::vector<guint8> inverted ((gsize) width * height);

      for (guint y = 0; y < height; y++)
        for (guint x = 0; x < width; x++)
          inverted[(gsize) y * width + x] = 255 - luma[y * stride + x];
      read_into (found, inverted.data (), width, height, width);
    }
  return found;
}
