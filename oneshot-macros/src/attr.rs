//! The arguments of `#[oneshot_reply(...)]` and of the enum variants'
//! `#[reply(...)]` helper: a reply type first, then `key = value` options.
//!
//! This module only parses. Which option is allowed where (a `constructor`
//! at enum level, `field` on a tuple struct, ...) is decided in `valid.rs`,
//! so every rule lives in one place.

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::spanned::Spanned as _;
use syn::{Error, Ident, LitStr, Path, Result, Token, Type};

/// Every option key, in the order error messages list them.
pub(crate) const ALL_KEYS: &[&str] = &[
    "reply",
    "field",
    "constructor",
    "method",
    "crate",
    "client",
    "mailbox",
    "handler",
    "async_handler",
];

/// One parsed value, with the key's span so that later rules can point at it.
pub(crate) struct Opt<T> {
    pub(crate) key: Ident,
    pub(crate) value: T,
}

/// The arguments of one attribute. Every option is kept with its key.
#[derive(Default)]
pub(crate) struct Args {
    /// The reply type, written first or as `reply = T`.
    pub(crate) reply: Option<Opt<Type>>,
    pub(crate) field: Option<Opt<Ident>>,
    pub(crate) constructor: Option<Opt<Ident>>,
    pub(crate) method: Option<Opt<Ident>>,
    pub(crate) krate: Option<Opt<Path>>,
    /// `client` (the value is `None`) or `client = Name`.
    pub(crate) client: Option<Opt<Option<Ident>>>,
    pub(crate) mailbox: Option<Opt<Ident>>,
    pub(crate) handler: Option<Opt<Ident>>,
    pub(crate) async_handler: Option<Opt<Ident>>,
}

impl Args {
    /// The options that only make sense with `client`, given without it or
    /// in the wrong place: their keys, for errors.
    pub(crate) fn client_keys(&self) -> Vec<&Ident> {
        let mut keys = Vec::new();
        if let Some(opt) = &self.client {
            keys.push(&opt.key);
        }
        for opt in [&self.mailbox, &self.handler, &self.async_handler]
            .into_iter()
            .flatten()
        {
            keys.push(&opt.key);
        }
        keys
    }
}

/// Parses the tokens inside the parentheses of `#[oneshot_reply(...)]` or
/// `#[reply(...)]`. `what` names the attribute in messages (`oneshot_reply`
/// or `reply`).
pub(crate) fn parse_args(tokens: TokenStream, what: &'static str) -> Result<Args> {
    let parser = move |input: ParseStream<'_>| parse_args_from(input, what);
    parser.parse2(tokens)
}

fn parse_args_from(input: ParseStream<'_>, what: &'static str) -> Result<Args> {
    let mut args = Args::default();
    let mut first = true;
    while !input.is_empty() {
        if is_option(input) {
            parse_option(input, &mut args, what)?;
        } else if let Some(key) = bare_key(input) {
            parse_flag(input, key, &mut args)?;
        } else if first {
            let ty = parse_reply_type(input, what)?;
            let key = Ident::new("reply", ty.span());
            args.reply = Some(Opt { key, value: ty });
        } else {
            return Err(input.error(format!(
                "the reply type goes first, as in `#[{what}(u64, ...)]`; after it, write options as `key = value` (or the type as `reply = T`)"
            )));
        }
        first = false;
        if input.is_empty() {
            break;
        }
        if !input.peek(Token![,]) {
            return Err(input.error(format!(
                "expected `,` between arguments, as in `#[{what}(Option<u64>, constructor = make)]`"
            )));
        }
        input.parse::<Token![,]>()?;
    }
    Ok(args)
}

/// `key = ...`, where the key may be the keyword `crate`. A type never has a
/// top-level `=`, so this cannot misread a reply type.
fn is_option(input: ParseStream<'_>) -> bool {
    input.peek(Ident::peek_any) && input.peek2(Token![=]) && !input.peek2(Token![==])
}

/// A known option key written alone (`client`, or a key missing its
/// value), followed by `,` or the end. `None` for anything else, which is
/// then read as the reply type.
fn bare_key(input: ParseStream<'_>) -> Option<Ident> {
    let fork = input.fork();
    let key = Ident::parse_any(&fork).ok()?;
    if !(fork.is_empty() || fork.peek(Token![,])) {
        return None;
    }
    let name = key.to_string();
    ALL_KEYS
        .iter()
        .any(|k| *k == name && *k != "reply" && *k != "crate")
        .then_some(key)
}

/// `client` alone opts in; any other key needs its value.
fn parse_flag(input: ParseStream<'_>, key: Ident, args: &mut Args) -> Result<()> {
    Ident::parse_any(input)?;
    if key != "client" {
        return Err(Error::new(
            key.span(),
            format!("`{key}` needs a value: write `{key} = ...`"),
        ));
    }
    if args.client.is_some() {
        return Err(Error::new(
            key.span(),
            "duplicate option `client`: each option may be given at most once",
        ));
    }
    args.client = Some(Opt { key, value: None });
    Ok(())
}

fn parse_reply_type(input: ParseStream<'_>, what: &'static str) -> Result<Type> {
    let fork = input.fork();
    match fork.parse::<Type>() {
        Ok(_) => input.parse::<Type>(),
        Err(_) => {
            let found = input
                .cursor()
                .token_tree()
                .map_or_else(|| "nothing".to_owned(), |(tt, _)| describe(&tt));
            Err(input.error(format!(
                "expected the reply type, found {found}: write a type, as in `#[{what}(u64)]` or `#[{what}(Result<Vec<u8>, String>)]`"
            )))
        }
    }
}

fn describe(tt: &proc_macro2::TokenTree) -> String {
    match tt {
        proc_macro2::TokenTree::Literal(lit) => {
            if lit.to_string().starts_with('"') {
                format!("the string {lit} (a type is written without quotes)")
            } else {
                format!("the literal `{lit}`")
            }
        }
        other => format!("`{other}`"),
    }
}

fn parse_option(input: ParseStream<'_>, args: &mut Args, what: &'static str) -> Result<()> {
    let key = Ident::parse_any(input)?;
    input.parse::<Token![=]>()?;
    let name = key.to_string();
    let duplicate = |key: &Ident| {
        Error::new(
            key.span(),
            format!("duplicate option `{key}`: each option may be given at most once"),
        )
    };
    match name.as_str() {
        "reply" => {
            if let Some(first) = &args.reply {
                let mut error = Error::new(
                    key.span(),
                    "the reply type is given twice: write it first or as `reply = T`, not both",
                );
                error.combine(Error::new(first.key.span(), "first given here"));
                return Err(error);
            }
            let value = parse_reply_type(input, what)?;
            args.reply = Some(Opt { key, value });
        }
        "client" => {
            let value = parse_name(input, &key)?;
            if args.client.is_some() {
                return Err(duplicate(&key));
            }
            args.client = Some(Opt {
                key,
                value: Some(value),
            });
        }
        "field" | "constructor" | "method" | "mailbox" | "handler" | "async_handler" => {
            let value = parse_name(input, &key)?;
            let slot = match name.as_str() {
                "field" => &mut args.field,
                "constructor" => &mut args.constructor,
                "mailbox" => &mut args.mailbox,
                "handler" => &mut args.handler,
                "async_handler" => &mut args.async_handler,
                _ => &mut args.method,
            };
            if slot.is_some() {
                return Err(duplicate(&key));
            }
            *slot = Some(Opt { key, value });
        }
        "crate" => {
            let value = parse_crate_path(input)?;
            if args.krate.is_some() {
                return Err(duplicate(&key));
            }
            args.krate = Some(Opt { key, value });
        }
        _ => {
            let valid = ALL_KEYS
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            return Err(Error::new(
                key.span(),
                format!("unknown option `{key}`; the options are {valid}"),
            ));
        }
    }
    Ok(())
}

fn parse_name(input: ParseStream<'_>, key: &Ident) -> Result<Ident> {
    if input.peek(Ident) {
        return input.parse();
    }
    let span = input
        .cursor()
        .token_tree()
        .map_or_else(|| key.span(), |(tt, _)| tt.span());
    Err(Error::new(
        span,
        format!(
            "`{key} =` takes a plain identifier that is not a keyword, as in `{key} = my_name`"
        ),
    ))
}

/// `crate = path` or `crate = "path"`: a module path without generic
/// arguments, as in `::oneshot`, `my_crate::oneshot` or `crate::reexports::oneshot`.
fn parse_crate_path(input: ParseStream<'_>) -> Result<Path> {
    const HELP: &str =
        "`crate =` takes the path the `oneshot` crate is reachable at, as in `crate = ::oneshot`, `crate = my_framework::oneshot` or `crate = \"my_framework::oneshot\"`";
    if input.peek(LitStr) {
        let lit: LitStr = input.parse()?;
        return match lit.parse_with(Path::parse_mod_style) {
            Ok(path) => Ok(path),
            Err(_) => Err(Error::new(
                lit.span(),
                format!("{:?} is not a module path; {HELP}", lit.value()),
            )),
        };
    }
    let fork = input.fork();
    if fork.parse::<Path>().is_err() {
        let span = input
            .cursor()
            .token_tree()
            .map_or_else(Span::call_site, |(tt, _)| tt.span());
        return Err(Error::new(span, format!("not a module path; {HELP}")));
    }
    let path: Path = input.parse()?;
    if let Some(segment) = path.segments.iter().find(|s| !s.arguments.is_none()) {
        return Err(Error::new_spanned(
            &segment.arguments,
            format!("a crate path has no generic arguments; {HELP}"),
        ));
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    fn err(tokens: TokenStream) -> String {
        match parse_args(tokens, "oneshot_reply") {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn type_then_options() {
        let args = parse_args(
            quote!(
                Result<Vec<T>, E>,
                field = respond_to,
                constructor = make,
                method = answer,
                crate = ::oneshot
            ),
            "oneshot_reply",
        )
        .unwrap();
        let ty = &args.reply.as_ref().unwrap().value;
        assert_eq!(
            quote!(#ty).to_string(),
            quote!(Result<Vec<T>, E>).to_string()
        );
        assert_eq!(args.field.unwrap().value, "respond_to");
        assert_eq!(args.constructor.unwrap().value, "make");
        assert_eq!(args.method.unwrap().value, "answer");
        let path = args.krate.unwrap().value;
        assert_eq!(quote!(#path).to_string(), quote!(::oneshot).to_string());
    }

    #[test]
    fn reply_as_key_and_crate_as_string() {
        let args = parse_args(quote!(crate = "a::b", reply = u8,), "oneshot_reply").unwrap();
        assert!(args.reply.is_some());
        let path = args.krate.unwrap().value;
        assert_eq!(quote!(#path).to_string(), quote!(a::b).to_string());
    }

    #[test]
    fn empty_is_no_type() {
        let args = parse_args(quote!(), "oneshot_reply").unwrap();
        assert!(args.reply.is_none());
        assert!(args.field.is_none() && args.krate.is_none());
    }

    #[test]
    fn client_flag_and_names() {
        let args = parse_args(quote!(u64, client), "oneshot_reply").unwrap();
        assert!(args.reply.is_some());
        assert!(args.client.unwrap().value.is_none());
        let args = parse_args(
            quote!(
                client = Api,
                mailbox = Inbox,
                handler = H,
                async_handler = A
            ),
            "oneshot_reply",
        )
        .unwrap();
        assert_eq!(args.client.unwrap().value.unwrap(), "Api");
        assert_eq!(args.mailbox.unwrap().value, "Inbox");
        assert_eq!(args.handler.unwrap().value, "H");
        assert_eq!(args.async_handler.unwrap().value, "A");
        assert!(parse_args(quote!(client), "oneshot_reply")
            .unwrap()
            .reply
            .is_none());
        assert!(err(quote!(client, client)).contains("duplicate option `client`"));
        assert!(err(quote!(client = A, client)).contains("duplicate option `client`"));
        assert!(err(quote!(u64, mailbox)).contains("`mailbox` needs a value"));
        assert!(err(quote!(client, u64)).contains("the reply type goes first"));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert!(err(quote!(42)).contains("expected the reply type, found the literal `42`"));
        assert!(err(quote!("u64")).contains("without quotes"));
        assert!(err(quote!(u64, colour = red)).contains("unknown option `colour`"));
        assert!(err(quote!(u64, field = a, field = b)).contains("duplicate option `field`"));
        assert!(err(quote!(u64, reply = u32)).contains("given twice"));
        assert!(err(quote!(u64, crate = "no way!")).contains("is not a module path"));
        assert!(err(quote!(u64, crate = a::<T>)).contains("no generic arguments"));
        assert!(err(quote!(u64, crate = 7)).contains("not a module path"));
        assert!(err(quote!(u64, field = "x")).contains("plain identifier"));
        assert!(err(quote!(u64, field = type)).contains("plain identifier"));
        assert!(err(quote!(field = x, u64)).contains("the reply type goes first"));
        assert!(err(quote!(u64 u32)).contains("expected `,`"));
    }
}
