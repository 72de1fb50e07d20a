/* test-file.c: onb_file_write() replaces only regular files, keeping their
 * owner and mode */

#include "config.h"

#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "onb-file.h"

static char *
make_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("onb-file-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
assert_contents (const char *path,
                 const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  gboolean succeeded;

  succeeded = g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpstr (text, ==, expected);
}

/* No temporary file is left beside the target, whatever happened. */
static void
assert_only (const char *dir,
             guint       n_entries)
{
  g_autoptr(GDir) listing = g_dir_open (dir, 0, NULL);
  guint n = 0;

  while (g_dir_read_name (listing) != NULL)
    n++;
  g_assert_cmpuint (n, ==, n_entries);
}

static void
test_new_and_replaced (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  gboolean succeeded;
  struct stat st;

  succeeded = onb_file_write (path, "a\n", 2, ONB_FILE_WRITE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  assert_contents (path, "a\n");

  /* An existing file keeps its mode, and its owner (as root: another one). */
  g_assert_cmpint (g_chmod (path, 0600), ==, 0);
  if (geteuid () == 0)
    g_assert_cmpint (chown (path, 65534, 65534), ==, 0);
  succeeded = onb_file_write (path, "b\n", 2, ONB_FILE_WRITE_NONE, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  assert_contents (path, "b\n");
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_cmpint (st.st_uid, ==, geteuid () == 0 ? 65534 : geteuid ());

  /* A wider file holding secrets is narrowed. */
  g_assert_cmpint (g_chmod (path, 0644), ==, 0);
  succeeded = onb_file_write (path, "c\n", 2, ONB_FILE_WRITE_PRIVATE, &error);
  g_assert_no_error (error);
  g_assert_true (succeeded);
  g_assert_cmpint (lstat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  assert_only (dir, 1);

  g_unlink (path);
  g_rmdir (dir);
}

static void
assert_refused (const char *path,
                const char *dir,
                guint       n_entries)
{
  g_autoptr(GError) error = NULL;
  gboolean succeeded;

  succeeded = onb_file_write (path, "x\n", 2, ONB_FILE_WRITE_NONE, &error);
  g_assert_error (error, ONB_FILE_ERROR, ONB_FILE_ERROR_NOT_REGULAR);
  g_assert_false (succeeded);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, path));
  assert_only (dir, n_entries);
}

static void
test_refused (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *target = g_build_filename (dir, "secret", NULL);
  g_autofree char *link = g_build_filename (dir, "link.csv", NULL);
  g_autofree char *fifo = g_build_filename (dir, "fifo.csv", NULL);
  g_autofree char *folder = g_build_filename (dir, "folder.csv", NULL);
  g_autofree char *device = g_build_filename (dir, "full", NULL);
  struct stat st;
  guint n = 4;

  g_assert_true (g_file_set_contents (target, "keep\n", -1, NULL));
  g_assert_cmpint (symlink (target, link), ==, 0);
  g_assert_cmpint (mkfifo (fifo, 0600), ==, 0);
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);

  assert_refused (link, dir, n);
  assert_contents (target, "keep\n");
  g_assert_cmpint (lstat (link, &st), ==, 0);
  g_assert_true (S_ISLNK (st.st_mode));
  assert_refused (fifo, dir, n);
  assert_refused (folder, dir, n);

  /* A device node: one of our own as root (a copy of /dev/full), else
   * /dev/null, which an unprivileged process could not replace anyway. */
  if (geteuid () == 0 && mknod (device, S_IFCHR | 0600, makedev (1, 7)) == 0)
    {
      n++;
      assert_refused (device, dir, n);
      g_assert_cmpint (lstat (device, &st), ==, 0);
      g_assert_true (S_ISCHR (st.st_mode));
      g_unlink (device);
    }
  else
    {
      g_autoptr(GError) error = NULL;
      gboolean succeeded = onb_file_write ("/dev/null", "x", 1, ONB_FILE_WRITE_NONE, &error);

      g_assert_error (error, ONB_FILE_ERROR, ONB_FILE_ERROR_NOT_REGULAR);
      g_assert_false (succeeded);
    }

  g_unlink (link);
  g_unlink (fifo);
  g_unlink (target);
  g_rmdir (folder);
  g_rmdir (dir);
}

/* Not root (root ignores modes): a folder it may not write into. */
static void
test_read_only_folder (void)
{
  g_autofree char *dir = make_dir ();
  g_autofree char *path = g_build_filename (dir, "out.csv", NULL);
  g_autoptr(GError) error = NULL;
  gboolean succeeded;

  if (geteuid () == 0)
    {
      g_test_skip ("root writes into a folder of mode 0555; the CLI tests cover a read-only mount");
      g_rmdir (dir);
      return;
    }
  g_assert_cmpint (g_chmod (dir, 0555), ==, 0);
  succeeded = onb_file_write (path, "x", 1, ONB_FILE_WRITE_NONE, &error);
  g_assert_error (error, ONB_FILE_ERROR, ONB_FILE_ERROR_READ_ONLY);
  g_assert_false (succeeded);
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_chmod (dir, 0700);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/file/new-and-replaced", test_new_and_replaced);
  g_test_add_func ("/file/refused", test_refused);
  g_test_add_func ("/file/read-only-folder", test_read_only_folder);

  return g_test_run ();
}
