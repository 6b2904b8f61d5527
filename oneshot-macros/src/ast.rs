//! A small model of the annotated item: the struct or enum as `syn` parsed
//! it (kept whole, for spans and for re-emitting), and the parsed arguments
//! of our attributes. Building it checks only the syntax; `valid.rs` applies
//! the rules.

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::format_ident;
use syn::ext::IdentExt as _;
use syn::{Attribute, Data, DeriveInput, Error, Fields, Ident, Meta, Result};

use crate::attr::{self, Args};

/// The annotated item.
pub(crate) enum Input<'a> {
    Struct(Struct<'a>),
    Enum(Enum<'a>),
}

pub(crate) struct Struct<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) fields: &'a Fields,
    pub(crate) args: Args,
}

pub(crate) struct Enum<'a> {
    pub(crate) original: &'a DeriveInput,
    pub(crate) args: Args,
    pub(crate) variants: Vec<Variant<'a>>,
}

pub(crate) struct Variant<'a> {
    pub(crate) original: &'a syn::Variant,
    /// Every `#[reply]` on the variant, in order (more than one is an error).
    pub(crate) replies: Vec<Reply<'a>>,
}

impl Variant<'_> {
    /// The variant's own `#[reply]` arguments, if it has one.
    pub(crate) fn args(&self) -> Option<&Args> {
        self.replies.first().map(|reply| &reply.args)
    }

    /// The constructor's name: `constructor = name`, or the variant's name
    /// in snake case. A keyword becomes a raw identifier (`r#type`) where
    /// Rust allows one; `valid.rs` rejects the others.
    pub(crate) fn constructor(&self) -> Ident {
        if let Some(opt) = self.args().and_then(|args| args.constructor.as_ref()) {
            return opt.value.clone();
        }
        let ident = &self.original.ident;
        let name = snake_case(&ident.unraw().to_string());
        if is_keyword(&name) && !is_unrawable(&name) {
            Ident::new_raw(&name, ident.span())
        } else {
            Ident::new(&name, ident.span())
        }
    }
}

/// The names of the items `client` generates, each with the span of where
/// it was named (the option's value, or the enum's name for a default).
pub(crate) struct ClientNames {
    pub(crate) client: Ident,
    pub(crate) mailbox: Ident,
    pub(crate) handler: Ident,
    pub(crate) async_handler: Ident,
}

impl Enum<'_> {
    /// The client's item names, if `client` was given: `{Enum}Client`,
    /// `{Enum}Mailbox`, `{Enum}Handler` and `{Enum}AsyncHandler` unless
    /// renamed.
    pub(crate) fn client_names(&self) -> Option<ClientNames> {
        let args = &self.args;
        let client = args.client.as_ref()?;
        let ident = self.original.ident.unraw();
        let named = |opt: Option<&Ident>, suffix: &str| {
            opt.cloned()
                .unwrap_or_else(|| format_ident!("{}{}", ident, suffix, span = ident.span()))
        };
        Some(ClientNames {
            client: named(client.value.as_ref(), "Client"),
            mailbox: named(args.mailbox.as_ref().map(|o| &o.value), "Mailbox"),
            handler: named(args.handler.as_ref().map(|o| &o.value), "Handler"),
            async_handler: named(
                args.async_handler.as_ref().map(|o| &o.value),
                "AsyncHandler",
            ),
        })
    }
}

/// The four client methods of a variant whose method name is `base`:
/// `base` (async), `base_blocking`, `base_timeout` and `try_base`, in that
/// order. A raw `r#type` keeps its `r#` only where it is needed.
pub(crate) fn client_methods(base: &Ident) -> [Ident; 4] {
    let name = base.unraw().to_string();
    let span = base.span();
    [
        base.clone(),
        Ident::new(&format!("{name}_blocking"), span),
        Ident::new(&format!("{name}_timeout"), span),
        Ident::new(&format!("try_{name}"), span),
    ]
}

/// `GetBalance` -> `get_balance`, `HTTPGet` -> `http_get`, `V2` -> `v2`.
pub(crate) fn snake_case(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if c.is_uppercase() {
            let prev = i.checked_sub(1).map(|j| chars[j]);
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None | Some('_') => false,
                Some(p) if p.is_lowercase() || p.is_ascii_digit() => true,
                Some(p) => p.is_uppercase() && next.is_some_and(char::is_lowercase),
            };
            if boundary {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Strict and reserved keywords of every edition, which cannot name a
/// function as they are.
pub(crate) fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "_" | "abstract"
            | "as"
            | "async"
            | "await"
            | "become"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "do"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "final"
            | "fn"
            | "for"
            | "gen"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "macro"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "override"
            | "priv"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "try"
            | "type"
            | "typeof"
            | "unsafe"
            | "unsized"
            | "use"
            | "virtual"
            | "where"
            | "while"
            | "yield"
    )
}

/// Keywords that cannot be written as raw identifiers either.
pub(crate) fn is_unrawable(name: &str) -> bool {
    matches!(name, "_" | "crate" | "self" | "Self" | "super")
}

/// One `#[reply(...)]` helper attribute on a variant.
pub(crate) struct Reply<'a> {
    pub(crate) attr: &'a Attribute,
    pub(crate) args: Args,
}

impl<'a> Input<'a> {
    /// Models `item`, parsing `args` (the attribute's own tokens).
    pub(crate) fn from_syn(item: &'a DeriveInput, args: TokenStream) -> Result<Self> {
        let args = attr::parse_args(args, "oneshot_reply")?;
        match &item.data {
            Data::Struct(data) => Ok(Input::Struct(Struct {
                original: item,
                fields: &data.fields,
                args,
            })),
            Data::Enum(data) => {
                let variants = data
                    .variants
                    .iter()
                    .map(Variant::from_syn)
                    .collect::<Result<Vec<_>>>()?;
                Ok(Input::Enum(Enum {
                    original: item,
                    args,
                    variants,
                }))
            }
            Data::Union(data) => Err(Error::new(
                data.union_token.span,
                "#[oneshot_reply] applies to a struct or an enum, not to a union: a request owns its reply sender, which a union field cannot drop",
            )),
        }
    }
}

impl<'a> Variant<'a> {
    fn from_syn(original: &'a syn::Variant) -> Result<Self> {
        let mut replies = Vec::new();
        for attr in original.attrs.iter().filter(|attr| is_reply_helper(attr)) {
            let args = match &attr.meta {
                Meta::Path(_) => Args::default(),
                Meta::List(list) => attr::parse_args(list.tokens.clone(), "reply")?,
                Meta::NameValue(nv) => {
                    return Err(Error::new_spanned(
                        nv,
                        "write the variant's reply type in parentheses: `#[reply(u64)]`",
                    ))
                }
            };
            replies.push(Reply { attr, args });
        }
        Ok(Variant { original, replies })
    }
}

/// Our helper attribute on a variant: exactly `#[reply...]`.
pub(crate) fn is_reply_helper(attr: &Attribute) -> bool {
    attr.path().is_ident("reply")
}

/// `#[oneshot_reply]` itself, under any path (`oneshot::oneshot_reply`).
pub(crate) fn is_oneshot_reply(attr: &Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|segment| segment.ident == "oneshot_reply")
}

/// When the item is not a struct, enum or union, `syn` cannot parse it as a
/// `DeriveInput`. This finds the keyword that says what it is (`fn`,
/// `trait`, `impl`, ...), after the attributes and the visibility, so the
/// error can point at it. `None` when the item looks like a struct or enum
/// (then `syn`'s own parse error is the right one).
pub(crate) fn other_item_keyword(item: &TokenStream) -> Option<proc_macro2::Ident> {
    let mut tokens = item.clone().into_iter().peekable();
    while let Some(tt) = tokens.next() {
        match &tt {
            // `#[...]` attributes.
            TokenTree::Punct(p) if p.as_char() == '#' => {
                tokens.next_if(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == '!'));
                tokens.next_if(
                    |t| matches!(t, TokenTree::Group(g) if g.delimiter() == Delimiter::Bracket),
                );
            }
            // `pub(crate)` and friends.
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {}
            TokenTree::Ident(ident) => {
                let word = ident.to_string();
                match word.as_str() {
                    "pub" | "default" => {}
                    "struct" | "enum" | "union" => return None,
                    // `fn`, `trait`, `impl`, `mod`, ..., or a modifier that
                    // starts one (an `unsafe` impl, a `const fn`): point at it.
                    _ => return Some(ident.clone()),
                }
            }
            _ => return None,
        }
    }
    None
}
