/* jpeg-frame.c: grey frames through libjpeg, as a cheap camera sends them (benchmark only) */

#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <jpeglib.h>

#include "jpeg-frame.h"

GBytes *
jpeg_frame_round_trip (OnbGreyImage *frame,
                       int           quality)
{
  struct jpeg_compress_struct out;
  struct jpeg_decompress_struct in;
  struct jpeg_error_mgr out_errors, in_errors;
  unsigned char *file = NULL;
  unsigned long size = 0;
  GBytes *bytes;

  /* libjpeg's default error handler exits: on frames drawn by the
   * benchmark itself an error is a bug, and exiting says so. */
  out.err = jpeg_std_error (&out_errors);
  jpeg_create_compress (&out);
  jpeg_mem_dest (&out, &file, &size);
  out.image_width = frame->width;
  out.image_height = frame->height;
  out.input_components = 1;
  out.in_color_space = JCS_GRAYSCALE;
  jpeg_set_defaults (&out);
  jpeg_set_quality (&out, quality, TRUE);
  jpeg_start_compress (&out, TRUE);
  while (out.next_scanline < out.image_height)
    {
      JSAMPROW row = frame->data + (gsize) out.next_scanline * frame->width;

      jpeg_write_scanlines (&out, &row, 1);
    }
  jpeg_finish_compress (&out);
  jpeg_destroy_compress (&out);

  in.err = jpeg_std_error (&in_errors);
  jpeg_create_decompress (&in);
  jpeg_mem_src (&in, file, size);
  jpeg_read_header (&in, TRUE);
  in.out_color_space = JCS_GRAYSCALE;
  jpeg_start_decompress (&in);
  g_assert (in.output_width == frame->width && in.output_height == frame->height && in.output_components == 1);
  while (in.output_scanline < in.output_height)
    {
      JSAMPROW row = frame->data + (gsize) in.output_scanline * frame->width;

      jpeg_read_scanlines (&in, &row, 1);
    }
  jpeg_finish_decompress (&in);
  jpeg_destroy_decompress (&in);

  bytes = g_bytes_new (file, size);
  free (file);
  return bytes;
}
