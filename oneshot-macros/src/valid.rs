//! Every rule about what `#[oneshot_reply]` accepts. Each failure is a
//! `syn::Error` spanned on the offending tokens, whose message says what is
//! wrong and shows the form that works. All failures found are reported
//! together.

use proc_macro2::{Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::punctuated::Punctuated;
use syn::{Attribute, DeriveInput, Error, Fields, Ident, Path, Result, Token, Type};

use crate::ast::{self, ClientNames, Enum, Input, Struct};
use crate::attr::Args;

/// The name of the added field when `field =` is not given.
pub(crate) const DEFAULT_FIELD: &str = "reply_to";
/// The name of the reply method when `method =` is not given.
pub(crate) const DEFAULT_METHOD: &str = "reply";
/// The name of the struct constructor when `constructor =` is not given.
pub(crate) const DEFAULT_CONSTRUCTOR: &str = "new";
/// The generated query method, which no other generated name may take.
pub(crate) const IS_ABANDONED: &str = "is_abandoned";
/// With `client`, the enum's methods that run a handler on one command.
pub(crate) const DISPATCH: &str = "dispatch";
pub(crate) const DISPATCH_ASYNC: &str = "dispatch_async";

/// Collects errors so that one expansion reports all of them.
#[derive(Default)]
struct Errors(Option<Error>);

impl Errors {
    fn push(&mut self, error: Error) {
        match &mut self.0 {
            Some(first) => first.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn push_spanned(&mut self, tokens: impl ToTokens, message: impl std::fmt::Display) {
        self.push(Error::new_spanned(tokens, message));
    }

    fn finish(self) -> Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

pub(crate) fn validate(input: &Input<'_>) -> Result<()> {
    let mut errors = Errors::default();
    match input {
        Input::Struct(item) => check_struct(item, &mut errors),
        Input::Enum(item) => check_enum(item, &mut errors),
    }
    errors.finish()
}

fn check_struct(item: &Struct<'_>, errors: &mut Errors) {
    check_item_attrs(item.original, errors);
    let args = &item.args;
    for key in args.client_keys() {
        errors.push_spanned(
            key,
            format!(
                "`{key}` generates an actor's client and handler from an enum of commands, one method per variant; put the requests in an enum: `#[oneshot_reply(client)] enum Command {{ #[reply(u64)] Get {{ key: String }}, ... }}`"
            ),
        );
    }
    match &args.reply {
        None => errors.push(Error::new(
            Span::call_site(),
            "missing reply type: write `#[oneshot_reply(T)]`, where `T` is the type the request is answered with, as in `#[oneshot_reply(u64)]`",
        )),
        Some(reply) => check_reply_type(&reply.value, errors),
    }
    match item.fields {
        Fields::Named(fields) => {
            let field = field_name(args);
            for existing in &fields.named {
                if existing.ident.as_ref().is_some_and(|ident| *ident == field) {
                    errors.push_spanned(
                        &existing.ident,
                        format!(
                            "this struct already has a field named `{field}`, which #[oneshot_reply] adds to hold the reply sender; rename this field, or name the added one: `#[oneshot_reply(T, field = other_name)]`"
                        ),
                    );
                }
            }
        }
        Fields::Unnamed(_) => {
            if let Some(opt) = &args.field {
                errors.push_spanned(
                    &opt.key,
                    "`field =` names the added field of a struct with named fields; a tuple struct gets its reply sender as its last field, which has no name: remove `field = ...`",
                );
            }
        }
        // A unit struct becomes a struct whose one field is the sender.
        Fields::Unit => {}
    }
    // The generated inherent functions must not take each other's names.
    let constructor = args
        .constructor
        .as_ref()
        .map(|opt| (opt.value.to_string(), opt.value.span()));
    let method = args
        .method
        .as_ref()
        .map(|opt| (opt.value.to_string(), opt.value.span()));
    let mut names = vec![(IS_ABANDONED.to_owned(), None)];
    names.push(match &method {
        Some((name, span)) => (name.clone(), Some(*span)),
        None => (DEFAULT_METHOD.to_owned(), None),
    });
    names.push(match &constructor {
        Some((name, span)) => (name.clone(), Some(*span)),
        None => (DEFAULT_CONSTRUCTOR.to_owned(), None),
    });
    check_distinct_names(&names, errors);
}

/// Reports every name that repeats an earlier one, at the span the user wrote.
fn check_distinct_names(names: &[(String, Option<Span>)], errors: &mut Errors) {
    for (i, (name, span)) in names.iter().enumerate() {
        if names[..i].iter().any(|(earlier, _)| earlier == name) {
            errors.push(Error::new(
                span.unwrap_or_else(Span::call_site),
                format!(
                    "the generated function `{name}` would be defined twice: #[oneshot_reply] generates `{IS_ABANDONED}`, the reply method (`method =`, default `{DEFAULT_METHOD}`) and the constructors; give them different names"
                ),
            ));
        }
    }
}

fn check_enum(item: &Enum<'_>, errors: &mut Errors) {
    check_item_attrs(item.original, errors);
    let args = &item.args;
    let uniform = args.reply.as_ref();
    if let Some(reply) = uniform {
        check_reply_type(&reply.value, errors);
    }
    if let Some(opt) = &args.constructor {
        errors.push_spanned(
            &opt.key,
            "an enum has one constructor per replying variant, named after it in snake case; rename one on its variant: `#[reply(T, constructor = name)]`",
        );
    }
    if let (Some(opt), None) = (&args.method, uniform) {
        errors.push_spanned(
            &opt.key,
            "`method =` names the reply method of an enum whose variants all reply with one type, given first: `#[oneshot_reply(T, method = name)]`; with a type per variant, answer through each variant's reply field instead",
        );
    }

    let client = item.client_names();
    if client.is_none() {
        for key in args.client_keys() {
            errors.push_spanned(
                key,
                format!(
                    "`{key} =` renames an item of the generated client; opt in to the client first: `#[oneshot_reply(client, {key} = Name)]`"
                ),
            );
        }
    }

    let field = field_name(args);
    let mut names = vec![(IS_ABANDONED.to_owned(), None)];
    if client.is_some() {
        names.push((DISPATCH.to_owned(), None));
        names.push((DISPATCH_ASYNC.to_owned(), None));
    }
    // Variants whose constructor name is already reported as wrong: the
    // client's checks skip them, so one mistake makes one error.
    let mut bad = Vec::new();
    if uniform.is_some() {
        names.push(match &args.method {
            Some(opt) => (opt.value.to_string(), Some(opt.value.span())),
            None => (DEFAULT_METHOD.to_owned(), None),
        });
    }
    let mut any_reply = false;
    for variant in &item.variants {
        if let Some(extra) = variant.replies.get(1) {
            errors.push_spanned(
                extra.attr,
                "`#[reply]` is given twice on this variant; keep one: `#[reply(T)]` or `#[reply(T, constructor = name)]`",
            );
        }
        let replies = uniform.is_some() || !variant.replies.is_empty();
        if let Some(reply) = variant.replies.first() {
            check_variant_args(reply.attr, &reply.args, uniform.is_some(), errors);
        }
        if !replies {
            continue;
        }
        any_reply = true;
        if let Fields::Named(fields) = &variant.original.fields {
            for existing in &fields.named {
                if existing.ident.as_ref().is_some_and(|ident| *ident == field) {
                    errors.push_spanned(
                        &existing.ident,
                        format!(
                            "this variant already has a field named `{field}`, which #[oneshot_reply] adds to hold the reply sender; rename this field, or name the added one: `#[oneshot_reply(field = other_name)]`"
                        ),
                    );
                }
            }
        }
        let constructor = variant.constructor();
        let name = constructor.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_owned();
        let span = constructor.span();
        if ast::is_unrawable(&name) {
            errors.push(Error::new(
                span,
                format!(
                    "this variant's constructor would be named `{name}`, a keyword; name it: `#[reply(T, constructor = name)]`"
                ),
            ));
            bad.push(variant.original.ident.clone());
            continue;
        }
        if let Some((_, earlier)) = names.iter().find(|(earlier, _)| *earlier == name) {
            let mut error = Error::new(
                span,
                format!(
                    "this variant's constructor would be named `{name}`, a name already taken by {}; rename it: `#[reply(T, constructor = other_name)]`",
                    if earlier.is_some() {
                        "another constructor or the reply method".to_owned()
                    } else {
                        format!("the generated method `{}::{name}`", item.original.ident)
                    }
                ),
            );
            if let Some(earlier) = earlier {
                error.combine(Error::new(*earlier, format!("`{name}` is first used here")));
            }
            errors.push(error);
            bad.push(variant.original.ident.clone());
            continue;
        }
        names.push((name, Some(span)));
    }
    if let Some(client) = &client {
        check_client(item, client, &bad, errors);
        // A client of commands that all go without a reply is an actor too.
        any_reply |= !item.variants.is_empty();
    }
    if !any_reply {
        let message = if uniform.is_some() {
            "an enum without variants cannot be a request: it can never be made, so it can never be answered"
        } else {
            "no variant has a `#[reply(T)]`: mark each variant that expects an answer, as in `#[reply(Option<u64>)] Get { key: String }`, or give one reply type for every variant: `#[oneshot_reply(T)]`"
        };
        errors.push_spanned(&item.original.ident, message);
    }
}

/// The client's rules: its four item names differ from each other and from
/// the enum's, and no two of its methods share a name.
fn check_client(item: &Enum<'_>, names: &ClientNames, bad: &[Ident], errors: &mut Errors) {
    let enum_ident = &item.original.ident;
    let items = [
        ("client", &names.client),
        ("mailbox", &names.mailbox),
        ("handler", &names.handler),
        ("async_handler", &names.async_handler),
    ];
    for (i, (key, ident)) in items.iter().enumerate() {
        let clash = if ident.unraw() == enum_ident.unraw() {
            Some("the enum itself".to_owned())
        } else {
            items[..i]
                .iter()
                .find(|(_, earlier)| earlier.unraw() == ident.unraw())
                .map(|(earlier_key, _)| format!("the generated {}", item_role(earlier_key)))
        };
        if let Some(clash) = clash {
            errors.push(Error::new(
                ident.span(),
                format!(
                    "the generated {} would be named `{ident}`, like {clash}; give it another name: `{key} = OtherName`",
                    item_role(key)
                ),
            ));
        }
    }

    // Every client method, with what generated it: a fixed name, or a
    // variant (its name, for the message, and the span to point at).
    let client = &names.client;
    let mut taken: Vec<(String, String, Option<Span>)> = CLIENT_FIXED
        .iter()
        .map(|(name, what)| {
            (
                (*name).to_owned(),
                format!("the client's {what} `{name}`"),
                None,
            )
        })
        .collect();
    for variant in &item.variants {
        let variant_ident = &variant.original.ident;
        if bad.contains(variant_ident) {
            continue;
        }
        if let Fields::Unnamed(fields) = &variant.original.fields {
            for field in &fields.unnamed {
                if let Some(cfg) = field.attrs.iter().find(|a| a.path().is_ident("cfg")) {
                    errors.push_spanned(
                        cfg,
                        "with `client`, a tuple variant's fields cannot be `#[cfg]`-ed: the handler takes the fields apart by position, which a removed field would shift; give the variant named fields, or `#[cfg]` the whole variant",
                    );
                }
            }
        }
        let base = variant.constructor();
        let base_name = base.unraw().to_string();
        if ast::is_unrawable(&base_name) {
            errors.push(Error::new(
                variant_ident.span(),
                format!(
                    "the client's methods for this variant would be named after `{base_name}`, a keyword that cannot name a method; rename the variant"
                ),
            ));
            continue;
        }
        for method in ast::client_methods(&base) {
            let name = method.unraw().to_string();
            let what = format!(
                "the method `{client}::{name}` generated for the variant `{variant_ident}`"
            );
            if let Some((_, path)) = CLIENT_TRAIT_METHODS.iter().find(|(n, _)| *n == name) {
                errors.push(Error::new(
                    base.span(),
                    format!(
                        "name collision: {what} would shadow `{path}`, which the client implements: an inherent method wins, so `client.{name}(..)` (or `{client}::{name}`) would call the generated one instead; rename the variant, or give a replying variant another method name with `#[reply(T, constructor = other_name)]`"
                    ),
                ));
                break;
            }
            if let Some((_, earlier, earlier_span)) = taken.iter().find(|(n, _, _)| *n == name) {
                let mut error = Error::new(
                    base.span(),
                    format!(
                        "name collision: {what} would have the same name as {earlier}; rename the variant, or give a replying variant another method name with `#[reply(T, constructor = other_name)]`"
                    ),
                );
                if let Some(earlier_span) = earlier_span {
                    error.combine(Error::new(
                        *earlier_span,
                        format!("`{client}::{name}` is first generated for this variant"),
                    ));
                }
                errors.push(error);
                break;
            }
            taken.push((name, what, Some(base.span())));
        }
    }
}

/// The client's methods that are not named after a variant, and what each
/// is, for the collision message.
const CLIENT_FIXED: &[(&str, &str)] = &[
    ("bounded", "constructor"),
    ("unbounded", "constructor"),
    ("into_inner", "method"),
    ("send", "raw send"),
    ("send_blocking", "raw send"),
    ("send_timeout", "raw send"),
    ("try_send", "raw send"),
];

/// The methods of the traits the client implements (`Clone`, `Debug`,
/// `From`/`AsRef` of its `mpmc::Sender`) or gets from blanket impls (`Into`,
/// `TryFrom`/`TryInto`, `Borrow`/`BorrowMut`, `ToOwned`, `Any`): a generated
/// inherent method of the same name would shadow each of them, in method
/// calls and in `Client::name` paths alike.
pub(crate) const CLIENT_TRAIT_METHODS: &[(&str, &str)] = &[
    ("clone", "Clone::clone"),
    ("clone_from", "Clone::clone_from"),
    ("fmt", "Debug::fmt"),
    ("from", "From::from"),
    ("as_ref", "AsRef::as_ref"),
    ("into", "Into::into"),
    ("try_from", "TryFrom::try_from"),
    ("try_into", "TryInto::try_into"),
    ("borrow", "Borrow::borrow"),
    ("borrow_mut", "BorrowMut::borrow_mut"),
    ("to_owned", "ToOwned::to_owned"),
    ("clone_into", "ToOwned::clone_into"),
    ("type_id", "Any::type_id"),
];

fn item_role(key: &str) -> &'static str {
    match key {
        "client" => "client type",
        "mailbox" => "mailbox type",
        "handler" => "handler trait",
        _ => "async handler trait",
    }
}

fn check_variant_args(attr: &Attribute, args: &Args, uniform: bool, errors: &mut Errors) {
    for key in args.client_keys() {
        errors.push_spanned(
            key,
            format!(
                "`{key}` applies to the whole enum: write it in `#[oneshot_reply({key}, ...)]`; a variant's `#[reply(...)]` takes its reply type and `constructor = name`"
            ),
        );
    }
    for (key, opt) in [
        ("field", args.field.as_ref().map(|o| &o.key)),
        ("method", args.method.as_ref().map(|o| &o.key)),
        ("crate", args.krate.as_ref().map(|o| &o.key)),
    ] {
        if let Some(opt) = opt {
            errors.push_spanned(
                opt,
                format!(
                    "`{key} =` applies to the whole enum: write it in `#[oneshot_reply({key} = ...)]`; a variant's `#[reply(...)]` takes its reply type and `constructor = name`"
                ),
            );
        }
    }
    match (&args.reply, uniform) {
        (Some(reply), true) => errors.push_spanned(
            &reply.value,
            "this enum's reply type is already given at the enum level, in `#[oneshot_reply(T)]`, where it applies to every variant; give it there or on each variant, not both",
        ),
        (Some(reply), false) => check_reply_type(&reply.value, errors),
        (None, true) => {
            if args.constructor.is_none() {
                errors.push_spanned(
                    attr,
                    "every variant already replies with the enum's type, so `#[reply]` here can only rename the constructor: `#[reply(constructor = name)]`, or remove it",
                );
            }
        }
        (None, false) => errors.push_spanned(
            attr,
            "missing reply type for this variant: write `#[reply(T)]`, where `T` is the type the request is answered with, as in `#[reply(Option<u64>)]`",
        ),
    }
}

/// The rules on the item's own attributes: not applied twice, and no derive
/// that a single-use sender cannot support.
fn check_item_attrs(item: &DeriveInput, errors: &mut Errors) {
    for attr in &item.attrs {
        if ast::is_oneshot_reply(attr) {
            errors.push_spanned(
                attr,
                "#[oneshot_reply] is applied twice; keep one: a request has exactly one reply sender",
            );
        }
        if attr.path().is_ident("derive") {
            let Ok(paths) = attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
            else {
                // A malformed derive is rustc's to report.
                continue;
            };
            for path in &paths {
                let Some(last) = path.segments.last() else {
                    continue;
                };
                if let Some(why) = banned_derive(&last.ident) {
                    errors.push_spanned(
                        path,
                        format!("a request cannot derive `{}`: {why}", last.ident),
                    );
                }
            }
        }
    }
}

fn banned_derive(ident: &Ident) -> Option<&'static str> {
    Some(match ident.to_string().as_str() {
        "Clone" | "Copy" => "it holds a single-use reply sender, and a copy would let the request be answered twice (`oneshot::Sender` is neither `Clone` nor `Copy`); pass the request by value, or share its data through an `Arc`",
        "Default" => "a request is made together with the receiver its reply arrives on, which a default value would lose; use the generated constructor",
        "PartialEq" | "Eq" | "PartialOrd" | "Ord" | "Hash" => "its reply sender is a channel end with no meaningful equality, order or hash; compare or hash the request's data fields instead (implement the trait by hand over them)",
        _ => return None,
    })
}

/// The reply type must be a type that can name a struct field and an
/// associated type: no `impl Trait`, no `_`, and no elided lifetime.
fn check_reply_type(ty: &Type, errors: &mut Errors) {
    if let Type::Macro(_) = ty {
        return;
    }
    scan_type_tokens(ty.to_token_stream(), true, errors);
}

fn scan_type_tokens(tokens: TokenStream, mut check_refs: bool, errors: &mut Errors) {
    let tokens: Vec<TokenTree> = tokens.into_iter().collect();
    for (i, tt) in tokens.iter().enumerate() {
        match tt {
            TokenTree::Ident(ident) if ident == "impl" => errors.push(Error::new(
                ident.span(),
                "`impl Trait` cannot be a reply type: the reply type names a struct field's type; name a concrete type, or box it: `Box<dyn Trait + Send>`",
            )),
            TokenTree::Ident(ident) if ident == "_" => errors.push(Error::new(
                ident.span(),
                "`_` cannot be a reply type, or part of one: the type of a struct field is never inferred; write it out",
            )),
            // `fn(&str) -> &str` and `dyn Fn(&str)` may elide lifetimes, so
            // stop checking references in the rest of this group.
            TokenTree::Ident(ident)
                if ["fn", "Fn", "FnMut", "FnOnce"].iter().any(|f| ident == f) =>
            {
                check_refs = false;
            }
            TokenTree::Punct(p) if p.as_char() == '&' && check_refs => {
                let named = matches!(
                    tokens.get(i + 1),
                    Some(TokenTree::Punct(q)) if q.as_char() == '\''
                ) && !matches!(tokens.get(i + 2), Some(TokenTree::Ident(l)) if l == "_");
                if !named {
                    errors.push(Error::new(
                        p.span(),
                        "a borrowed reply type needs a named lifetime: `&'static str`, or `&'a str` with `'a` declared on the request, as in `struct Lookup<'a>`",
                    ));
                }
            }
            TokenTree::Group(group) => scan_type_tokens(group.stream(), check_refs, errors),
            _ => {}
        }
    }
}

/// The added field's name: `field = name` or `reply_to`.
pub(crate) fn field_name(args: &Args) -> Ident {
    args.field.as_ref().map_or_else(
        || Ident::new(DEFAULT_FIELD, Span::call_site()),
        |opt| opt.value.clone(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn type_errors(ty: Type) -> Vec<String> {
        let mut errors = Errors::default();
        check_reply_type(&ty, &mut errors);
        errors
            .0
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn reply_types_that_work() {
        for ty in [
            parse_quote!(u64),
            parse_quote!(Result<Vec<T>, E>),
            parse_quote!(&'static str),
            parse_quote!(&'a mut [u8; N]),
            parse_quote!(Box<dyn Fn(&str) -> &str + Send>),
            parse_quote!(fn(&u8) -> &u8),
            parse_quote!(()),
            parse_quote!(my_type!(&)),
        ] {
            assert_eq!(type_errors(ty), Vec::<String>::new());
        }
    }

    #[test]
    fn reply_types_that_do_not() {
        let impl_trait = type_errors(parse_quote!(Vec<impl Send>));
        assert_eq!(impl_trait.len(), 1);
        assert!(impl_trait[0].contains("`impl Trait` cannot be a reply type"));
        assert!(type_errors(parse_quote!(_))[0].contains("`_` cannot be a reply type"));
        assert!(type_errors(parse_quote!(Option<(u8, _)>))[0].contains("`_`"));
        assert!(type_errors(parse_quote!(&str))[0].contains("named lifetime"));
        assert!(type_errors(parse_quote!(Vec<&'_ str>))[0].contains("named lifetime"));
        assert_eq!(type_errors(parse_quote!(&&'a str)).len(), 1);
    }
}
