/* onb-setup-field.h: one configuration key in Setup, validated as typed
 *
 * A row for the key (an entry, a password entry, a switch or a choice),
 * its hint in the consoles' words and, for text, the message beside the
 * field when the value does not pass onb_config_validate_value(). The
 * station's keys and those of each [model …] section use the same rows.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

typedef enum
{
  ONB_SETUP_FIELD_TEXT,
  ONB_SETUP_FIELD_SWITCH,
  ONB_SETUP_FIELD_CHOICE,   /* a drop-down of onb_setup_field_set_choices() */
} OnbSetupFieldKind;

typedef struct
{
  const char        *group;
  const char        *key;
  const char        *title;         /* N_() */
  OnbSetupFieldKind  kind;
  gboolean           default_on;    /* switches */
  const char        *hint;          /* N_(): where the value comes from, in the consoles' words */
  const char        *on_value;      /* switches of a two-value key: its value when on, and when off */
  const char        *off_value;     /*   (NULL: true and false) */
  const char        *default_value; /* text shown when the file has none; not written back */
  int                width_chars;   /* short text fields (0: as wide as the row) */
} OnbSetupFieldSpec;

/* A check beyond the file's rules (the kiosk's PIN strength). */
typedef gboolean (*OnbSetupFieldCheck) (const char  *value,
                                        GError     **error);

#define ONB_TYPE_SETUP_FIELD (onb_setup_field_get_type ())
G_DECLARE_FINAL_TYPE (OnbSetupField, onb_setup_field, ONB, SETUP_FIELD, GObject)

/* @group: (nullable): the section it is written to, when not the spec's
 * (a [model XXXXXXXX] section). */
OnbSetupField           *onb_setup_field_new          (const OnbSetupFieldSpec *spec,
                                                       const char              *group);
const OnbSetupFieldSpec *onb_setup_field_get_spec     (OnbSetupField           *self);
const char              *onb_setup_field_get_group    (OnbSetupField           *self);
/* The row, and the line of its hint under a text row. */
void                     onb_setup_field_add_to       (OnbSetupField           *self,
                                                       AdwPreferencesGroup     *group);
void                     onb_setup_field_add_to_expander (OnbSetupField        *self,
                                                       AdwExpanderRow          *expander);
GtkWidget               *onb_setup_field_get_row      (OnbSetupField           *self);
/* What is shown: (transfer full) (nullable) */
char                    *onb_setup_field_get_value    (OnbSetupField           *self);
/* What the file gets: NULL for an empty field or one that shows the
 * default. (transfer full) */
char                    *onb_setup_field_get_setting  (OnbSetupField           *self);
/* Shows the file's @value (NULL: not set); a value the file holds is
 * judged at once, an empty field only once edited or saved. */
void                     onb_setup_field_set_value    (OnbSetupField           *self,
                                                       const char              *value);
gboolean                 onb_setup_field_validate     (OnbSetupField           *self);
gboolean                 onb_setup_field_get_valid    (OnbSetupField           *self);
/* A message beside a text field, NULL to clear it. */
void                     onb_setup_field_set_message  (OnbSetupField           *self,
                                                       const char              *message);
/* A switch's or a choice's subtitle: its hint, then @status. */
void                     onb_setup_field_set_status   (OnbSetupField           *self,
                                                       const char              *status);
void                     onb_setup_field_set_check    (OnbSetupField           *self,
                                                       OnbSetupFieldCheck       check);
/* A choice's entries: @names shown, @ids stored (an id may be NULL:
 * nothing written); @ids NULL: the names are the ids. Then
 * onb_setup_field_set_value() chooses. */
void                     onb_setup_field_set_choices  (OnbSetupField           *self,
                                                       const char * const      *names,
                                                       const char * const      *ids,
                                                       guint                    n);

G_END_DECLS
