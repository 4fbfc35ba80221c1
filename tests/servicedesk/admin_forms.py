"""Build the POST data of an admin change form from the page the admin rendered."""


def _value(bound_field):
    value = bound_field.value()
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return [str(item) for item in value]
    return value


def change_form_data(response, **changes) -> dict:
    """The change form as rendered (main form and every inline), with changes."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        data[name] = _value(form[name])
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[f"{formset.prefix}-{name}"] = _value(management[name])
        for inline_form in formset.forms:
            for name in inline_form.fields:
                value = _value(inline_form[name])
                if value is not False:
                    data[inline_form.add_prefix(name)] = value
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def inline_prefix(response, model_name: str, verbose_name_plural: str) -> str:
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        if (
            formset.model._meta.model_name == model_name
            and inline.opts.verbose_name_plural == verbose_name_plural
        ):
            return formset.prefix
    raise LookupError(f"No inline {model_name} ({verbose_name_plural}) on the page.")
