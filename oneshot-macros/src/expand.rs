//! `try_expand`: tokens -> model (`ast.rs`) -> rules (`valid.rs`) -> output.
//!
//! The output names everything through `<crate>::__private` (by default
//! `::oneshot::__private`), so nothing in the user's scope can change what
//! it means. Locals use `Span::mixed_site()`, so they cannot clash with the
//! user's field names, which become the constructor's parameters.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::{Attribute, DeriveInput, Error, Field, Fields, Ident, Result, Type};

use crate::ast::{self, Enum, Input, Struct};
use crate::attr::Args;
use crate::client;
use crate::fallback;
use crate::valid::{self, DEFAULT_CONSTRUCTOR, DEFAULT_METHOD, IS_ABANDONED};

/// The attribute's whole job: the expanded item, or on any error the
/// error plus the item as it was (see `fallback.rs`).
pub(crate) fn oneshot_reply(args: TokenStream, item: TokenStream) -> TokenStream {
    match try_expand(args, item.clone()) {
        Ok(tokens) => tokens,
        Err(error) => fallback::expand(item, &error),
    }
}

pub(crate) fn try_expand(args: TokenStream, item: TokenStream) -> Result<TokenStream> {
    let input: DeriveInput = match syn::parse2(item.clone()) {
        Ok(input) => input,
        Err(error) => return Err(not_a_struct_or_enum(&item).unwrap_or(error)),
    };
    let model = Input::from_syn(&input, args)?;
    valid::validate(&model)?;
    Ok(match &model {
        Input::Struct(item) => expand_struct(item),
        Input::Enum(item) => expand_enum(item),
    })
}

fn not_a_struct_or_enum(item: &TokenStream) -> Option<Error> {
    let keyword = ast::other_item_keyword(item)?;
    let what = match keyword.to_string().as_str() {
        "fn" | "const" | "async" | "extern" => "a function or constant".to_owned(),
        "trait" | "auto" => "a trait".to_owned(),
        "impl" => "an impl block".to_owned(),
        "unsafe" => "an unsafe fn, trait or impl".to_owned(),
        "mod" => "a module".to_owned(),
        "type" => "a type alias".to_owned(),
        "static" => "a static".to_owned(),
        "use" => "a `use` declaration".to_owned(),
        other => format!("`{other}`"),
    };
    Some(Error::new(
        keyword.span(),
        format!(
            "#[oneshot_reply] applies to a struct or an enum, not to {what}: put it on the request type, as in `#[oneshot_reply(u64)] struct GetBalance {{ account: String }}`"
        ),
    ))
}

/// What every generated item needs to name.
pub(crate) struct Names {
    /// `<crate>::__private`.
    pub(crate) private: TokenStream,
    /// The added field's name.
    pub(crate) field: Ident,
    pub(crate) sender: Ident,
    pub(crate) receiver: Ident,
    pub(crate) value: Ident,
}

impl Names {
    fn new(args: &Args) -> Self {
        let private = match &args.krate {
            Some(opt) => {
                let path = &opt.value;
                quote!(#path::__private)
            }
            None => quote!(::oneshot::__private),
        };
        Names {
            private,
            field: valid::field_name(args),
            sender: Ident::new("sender", Span::mixed_site()),
            receiver: Ident::new("receiver", Span::mixed_site()),
            value: Ident::new("value", Span::mixed_site()),
        }
    }

    fn sender_ty(&self, reply: &Type) -> TokenStream {
        let private = &self.private;
        quote!(#private::Sender<#reply>)
    }
}

/// The `#[cfg]`s of a field or variant, repeated on whatever the output
/// makes from it, so that cfg-ed out fields and variants leave no trace.
pub(crate) fn cfgs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("cfg"))
        .collect()
}

/// The constructor's parameters and the expression that builds the value,
/// for the fields of a struct or a variant (`path` is `Self` or `Self::V`).
pub(crate) fn constructor_parts(
    fields: &Fields,
    path: &TokenStream,
    names: &Names,
) -> (Vec<TokenStream>, TokenStream) {
    let Names { field, sender, .. } = names;
    match fields {
        Fields::Named(named) => {
            let params = named.named.iter().map(param).collect();
            let inits = named.named.iter().map(|f| {
                let cfgs = cfgs(&f.attrs);
                let ident = param_ident(f);
                quote!(#(#cfgs)* #ident)
            });
            (params, quote!(#path { #(#inits,)* #field: #sender }))
        }
        Fields::Unnamed(unnamed) => {
            let params = unnamed
                .unnamed
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    let cfgs = cfgs(&f.attrs);
                    let ident = format_ident!("_{}", i);
                    let ty = &f.ty;
                    quote!(#(#cfgs)* #ident: #ty)
                })
                .collect();
            let args = unnamed.unnamed.iter().enumerate().map(|(i, f)| {
                let cfgs = cfgs(&f.attrs);
                let ident = format_ident!("_{}", i);
                quote!(#(#cfgs)* #ident)
            });
            (params, quote!(#path(#(#args,)* #sender)))
        }
        Fields::Unit => (Vec::new(), quote!(#path { #field: #sender })),
    }
}

/// A named field's constructor parameter: the field's name, spanned at the
/// attribute, so that lints about bindings (such as clippy's
/// `used_underscore_binding` for a field `_marker`) see generated code.
pub(crate) fn param_ident(field: &Field) -> Option<Ident> {
    field.ident.as_ref().map(|ident| {
        let mut ident = ident.clone();
        ident.set_span(Span::call_site());
        ident
    })
}

pub(crate) fn param(field: &Field) -> TokenStream {
    let cfgs = cfgs(&field.attrs);
    let ident = param_ident(field);
    let ty = &field.ty;
    quote!(#(#cfgs)* #ident: #ty)
}

/// A pattern binding the reply sender to `sender`, for a struct or variant
/// with these fields (a unit one has become `{ field }`).
fn sender_pattern(fields: &Fields, path: &TokenStream, names: &Names) -> TokenStream {
    let Names { field, sender, .. } = names;
    match fields {
        Fields::Unnamed(_) => quote!(#path(.., #sender)),
        Fields::Named(_) | Fields::Unit => quote!(#path { #field: #sender, .. }),
    }
}

/// The fields with the sender added: `{ ..., reply_to: Sender<T> }` or
/// `(..., Sender<T>)`. `vis` is the struct's visibility, or `None` in an
/// enum variant.
fn fields_with_sender(
    fields: &Fields,
    vis: Option<&syn::Visibility>,
    sender_ty: &TokenStream,
    doc: &str,
    names: &Names,
) -> TokenStream {
    let field = &names.field;
    match fields {
        Fields::Named(named) => {
            let existing = named.named.iter();
            quote!({ #(#existing,)* #[doc = #doc] #vis #field: #sender_ty, })
        }
        Fields::Unnamed(unnamed) => {
            let existing = unnamed.unnamed.iter();
            quote!(( #(#existing,)* #[doc = #doc] #vis #sender_ty, ))
        }
        Fields::Unit => quote!({ #[doc = #doc] #vis #field: #sender_ty, }),
    }
}

const MUST_USE: &str = "a request does nothing until it is sent to whoever answers it, and the receiver is where its reply arrives";

const REPLY_DOC: &str = " Answers the request with `value`, consuming it, so it is answered at most once.\n\n # Errors\n\n If the requester has dropped its receiver, `value` is handed back in the `SendError`.";

fn expand_struct(item: &Struct<'_>) -> TokenStream {
    let input = item.original;
    let args = &item.args;
    let names = Names::new(args);
    let Names {
        private,
        sender,
        receiver,
        value,
        ..
    } = &names;
    let reply = match &args.reply {
        Some(opt) => &opt.value,
        // `valid.rs` has already rejected this; never panic in a macro.
        None => return TokenStream::new(),
    };
    let sender_ty = names.sender_ty(reply);
    let attrs = &input.attrs;
    let vis = &input.vis;
    let ident = &input.ident;
    let generics = &input.generics;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let method = args.method.as_ref().map_or_else(
        || format_ident!("{}", DEFAULT_METHOD),
        |opt| opt.value.clone(),
    );
    let constructor = args.constructor.as_ref().map_or_else(
        || format_ident!("{}", DEFAULT_CONSTRUCTOR),
        |opt| opt.value.clone(),
    );
    let is_abandoned = format_ident!("{}", IS_ABANDONED);

    let field_doc = format!(
        " The sender this request is answered through, once: call `{method}` on the request, or `send` on this field after destructuring it. Dropping it unanswered tells the requester that no reply will come."
    );
    let body = fields_with_sender(item.fields, Some(vis), &sender_ty, &field_doc, &names);
    let definition = match item.fields {
        Fields::Unnamed(_) => {
            quote!(#(#attrs)* #vis struct #ident #generics #body #where_clause;)
        }
        Fields::Named(_) | Fields::Unit => {
            quote!(#(#attrs)* #vis struct #ident #generics #where_clause #body)
        }
    };

    let self_path = quote!(Self);
    let (params, build) = constructor_parts(item.fields, &self_path, &names);
    let pattern = sender_pattern(item.fields, &self_path, &names);
    let constructor_doc = format!(
        " Makes a `{ident}` request and the receiver its reply arrives on.\n\n The arguments are the request's fields, in declaration order. Send the request to whoever answers it, and wait on the receiver for the reply."
    );
    let reply_doc = REPLY_DOC;
    let abandoned_doc = " Whether the requester has given up: its receiver is gone, so a reply would be thrown away and the work behind it can be skipped.";

    quote! {
        #definition

        impl #impl_generics #ident #ty_generics #where_clause {
            #[doc = #constructor_doc]
            #[must_use = #MUST_USE]
            #[inline]
            #[allow(clippy::too_many_arguments)]
            #vis fn #constructor(#(#params),*) -> (Self, #private::Receiver<#reply>) {
                let (#sender, #receiver) = #private::channel::<#reply>();
                (#build, #receiver)
            }

            #[doc = #reply_doc]
            #[inline]
            #vis fn #method(self, #value: #reply) -> #private::Result<(), #private::SendError<#reply>> {
                let #pattern = self;
                #private::Sender::send(#sender, #value)
            }

            #[doc = #abandoned_doc]
            #[must_use]
            #[inline]
            #vis fn #is_abandoned(&self) -> #private::bool {
                let #pattern = self;
                #private::Sender::is_closed(#sender)
            }
        }

        #[automatically_derived]
        impl #impl_generics #private::Request for #ident #ty_generics #where_clause {
            type Reply = #reply;

            #[inline]
            fn into_reply_sender(self) -> #sender_ty {
                let #pattern = self;
                #sender
            }

            #[inline]
            fn reply_sender(&self) -> &#sender_ty {
                let #pattern = self;
                #sender
            }

            #[inline]
            fn reply_sender_mut(&mut self) -> &mut #sender_ty {
                let #pattern = self;
                #sender
            }
        }
    }
}

fn expand_enum(item: &Enum<'_>) -> TokenStream {
    let input = item.original;
    let args = &item.args;
    let names = Names::new(args);
    let Names {
        private,
        sender,
        receiver,
        value,
        ..
    } = &names;
    let uniform = args.reply.as_ref().map(|opt| &opt.value);
    let attrs = &input.attrs;
    let vis = &input.vis;
    let ident = &input.ident;
    let generics = &input.generics;
    let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
    let is_abandoned = format_ident!("{}", IS_ABANDONED);
    let field_doc = " The sender this request is answered through, once, with `send`. Dropping it unanswered tells the requester that no reply will come.";

    let mut variants = Vec::new();
    let mut constructors = Vec::new();
    let mut abandoned_arms = Vec::new();
    let mut sender_arms = Vec::new();
    for variant in &item.variants {
        let original = variant.original;
        let kept_attrs = original.attrs.iter().filter(|a| !ast::is_reply_helper(a));
        let variant_ident = &original.ident;
        let discriminant = original
            .discriminant
            .as_ref()
            .map(|(eq, expr)| quote!(#eq #expr));
        let cfgs = cfgs(&original.attrs);
        let path = quote!(Self::#variant_ident);
        let reply = uniform.or_else(|| {
            variant
                .args()
                .and_then(|args| args.reply.as_ref())
                .map(|opt| &opt.value)
        });
        let Some(reply) = reply else {
            let fields = &original.fields;
            variants.push(quote!(#(#kept_attrs)* #variant_ident #fields #discriminant));
            abandoned_arms.push(quote!(#(#cfgs)* #path { .. } => false,));
            continue;
        };
        let sender_ty = names.sender_ty(reply);
        let fields = fields_with_sender(&original.fields, None, &sender_ty, field_doc, &names);
        variants.push(quote!(#(#kept_attrs)* #variant_ident #fields #discriminant));

        let (params, build) = constructor_parts(&original.fields, &path, &names);
        let pattern = sender_pattern(&original.fields, &path, &names);
        let constructor = variant.constructor();
        let doc = format!(
            " Makes a `{ident}::{variant_ident}` request and the receiver its reply arrives on.\n\n The arguments are the variant's fields, in declaration order."
        );
        constructors.push(quote! {
            #(#cfgs)*
            #[doc = #doc]
            #[must_use = #MUST_USE]
            #[inline]
            #[allow(clippy::too_many_arguments)]
            #vis fn #constructor(#(#params),*) -> (Self, #private::Receiver<#reply>) {
                let (#sender, #receiver) = #private::channel::<#reply>();
                (#build, #receiver)
            }
        });
        abandoned_arms.push(quote!(#(#cfgs)* #pattern => #private::Sender::is_closed(#sender),));
        sender_arms.push(quote!(#(#cfgs)* #pattern => #sender,));
    }

    let definition = quote! {
        #(#attrs)* #vis enum #ident #generics #where_clause { #(#variants,)* }
    };
    let abandoned_doc = " Whether the requester has given up: this is a variant that expects a reply, and its receiver is gone, so a reply would be thrown away and the work behind it can be skipped. Always `false` for a variant without a reply.";

    let uniform_items = uniform.map(|reply| {
        let sender_ty = names.sender_ty(reply);
        let method = args
            .method
            .as_ref()
            .map_or_else(|| format_ident!("{}", DEFAULT_METHOD), |opt| opt.value.clone());
        let reply_doc = REPLY_DOC;
        let inherent = quote! {
            #[doc = #reply_doc]
            #[inline]
            #vis fn #method(self, #value: #reply) -> #private::Result<(), #private::SendError<#reply>> {
                let #sender = match self { #(#sender_arms)* };
                #private::Sender::send(#sender, #value)
            }
        };
        let request = quote! {
            #[automatically_derived]
            impl #impl_generics #private::Request for #ident #ty_generics #where_clause {
                type Reply = #reply;

                #[inline]
                fn into_reply_sender(self) -> #sender_ty {
                    match self { #(#sender_arms)* }
                }

                #[inline]
                fn reply_sender(&self) -> &#sender_ty {
                    match self { #(#sender_arms)* }
                }

                #[inline]
                fn reply_sender_mut(&mut self) -> &mut #sender_ty {
                    match self { #(#sender_arms)* }
                }
            }
        };
        (inherent, request)
    });
    let (uniform_method, request_impl) = match uniform_items {
        Some((inherent, request)) => (Some(inherent), Some(request)),
        None => (None, None),
    };
    let client = item
        .client_names()
        .map(|client| client::expand(item, &client, &names));

    quote! {
        #definition

        impl #impl_generics #ident #ty_generics #where_clause {
            #(#constructors)*

            #uniform_method

            #[doc = #abandoned_doc]
            #[must_use]
            #[inline]
            #vis fn #is_abandoned(&self) -> #private::bool {
                match self { #(#abandoned_arms)* }
            }
        }

        #request_impl

        #client
    }
}

/// Exposed for the unit tests: the output as a string, or the error's
/// messages.
#[cfg(test)]
pub(crate) fn expand_to_string(args: TokenStream, item: TokenStream) -> String {
    match try_expand(args, item) {
        Ok(tokens) => tokens.to_string(),
        Err(error) => error.to_compile_error().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;

    fn ok(args: TokenStream, item: TokenStream) -> syn::File {
        let tokens = try_expand(args, item).unwrap_or_else(|e| panic!("unexpected error: {e}"));
        syn::parse2(tokens.clone())
            .unwrap_or_else(|e| panic!("output does not parse ({e}): {tokens}"))
    }

    fn err(args: TokenStream, item: TokenStream) -> Vec<String> {
        match try_expand(args, item) {
            Ok(tokens) => panic!("expected an error, got {tokens}"),
            Err(error) => error.into_iter().map(|e| e.to_string()).collect(),
        }
    }

    fn text_of(tokens: &impl ToTokens) -> String {
        tokens.to_token_stream().to_string()
    }

    fn has(haystack: &impl ToTokens, needle: TokenStream) -> bool {
        haystack
            .to_token_stream()
            .to_string()
            .contains(&needle.to_string())
    }

    #[test]
    fn named_struct() {
        let out = ok(
            quote!(u64),
            quote! {
                /// Docs.
                #[derive(Debug)]
                pub struct GetBalance { pub account: String }
            },
        );
        let text = out.to_token_stream().to_string();
        assert!(text.starts_with(
            &quote!(#[doc = r" Docs."] #[derive(Debug)] pub struct GetBalance).to_string()
        ));
        assert!(has(&out, quote!(pub account: String,)));
        assert!(has(
            &out,
            quote!(pub reply_to: ::oneshot::__private::Sender<u64>,)
        ));
        assert!(has(
            &out,
            quote!(pub fn new(account: String) -> (Self, ::oneshot::__private::Receiver<u64>))
        ));
        assert!(has(
            &out,
            quote!((
                Self {
                    account,
                    reply_to: sender
                },
                receiver
            ))
        ));
        assert!(has(&out, quote!(pub fn reply(self, value: u64))));
        assert!(has(
            &out,
            quote!(pub fn is_abandoned(&self) -> ::oneshot::__private::bool)
        ));
        assert!(has(
            &out,
            quote!(impl ::oneshot::__private::Request for GetBalance)
        ));
        assert!(has(
            &out,
            quote!(
                type Reply = u64;
            )
        ));
    }

    #[test]
    fn tuple_unit_and_options() {
        let tuple = ok(
            quote!(u8, constructor = make, method = answer),
            quote!(
                pub(crate) struct Add(pub(crate) u8, u8);
            ),
        );
        assert!(text_of(&tuple).contains("pub (crate) struct Add (pub (crate) u8 , u8 ,"));
        assert!(
            text_of(&tuple).contains("pub (crate) :: oneshot :: __private :: Sender < u8 > ,) ;")
        );
        assert!(has(&tuple, quote!(pub(crate) fn make(_0: u8, _1: u8))));
        assert!(has(&tuple, quote!(Self(_0, _1, sender))));
        assert!(has(&tuple, quote!(let Self(.., sender) = self;)));
        assert!(text_of(&tuple).contains("pub (crate) fn answer (self , value : u8)"));

        let unit = ok(
            quote!(reply = (), field = respond_to, crate = "my::oneshot"),
            quote!(
                struct Ping;
            ),
        );
        assert!(text_of(&unit).contains("struct Ping { # [doc"));
        assert!(has(
            &unit,
            quote!(respond_to: my::oneshot::__private::Sender<()>,)
        ));
        assert!(has(
            &unit,
            quote!(fn new() -> (Self, my::oneshot::__private::Receiver<()>))
        ));
        assert!(has(&unit, quote!(Self { respond_to: sender })));
    }

    #[test]
    fn generics_and_cfg() {
        let out = ok(
            quote!(Result<Vec<T>, E>),
            quote! {
                struct Batch<'a, T: Clone = u8, E, const N: usize = 4> where E: Send {
                    items: &'a [T; N],
                    #[cfg(feature = "tracing")]
                    span: u64,
                    _error: core::marker::PhantomData<E>,
                }
            },
        );
        assert!(text_of(&out).contains(&format!(
            "{} {{",
            quote!(struct Batch<'a, T: Clone = u8, E, const N: usize = 4> where E: Send)
        )));
        assert!(has(
            &out,
            quote!(impl<'a, T: Clone, E, const N: usize> Batch<'a, T, E, N> where E: Send)
        ));
        assert!(has(&out, quote!(#[cfg(feature = "tracing")] span: u64,)));
        assert!(has(
            &out,
            quote!(Self {
                items,
                #[cfg(feature = "tracing")]
                span,
                _error,
                reply_to: sender
            })
        ));
        assert!(has(
            &out,
            quote!(
                type Reply = Result<Vec<T>, E>;
            )
        ));
    }

    #[test]
    fn enum_per_variant() {
        let out = ok(
            quote!(),
            quote! {
                pub enum Command {
                    #[reply(Option<u64>)]
                    Get { key: String },
                    #[reply((), constructor = put)]
                    Set(String, u64),
                    #[cfg(test)]
                    #[reply(u32)]
                    HTTPStatus,
                    Shutdown,
                }
            },
        );
        let text = out.to_token_stream().to_string();
        assert!(
            !text.contains("# [reply"),
            "helper attributes must be removed: {text}"
        );
        assert!(text_of(&out).contains("Get { key : String , # [doc"));
        assert!(has(
            &out,
            quote!(reply_to: ::oneshot::__private::Sender<Option<u64> >,)
        ));
        assert!(text_of(&out).contains("Set (String , u64 , # [doc"));
        assert!(has(&out, quote!(Shutdown,)));
        assert!(has(&out, quote!(pub fn get(key: String))));
        assert!(has(&out, quote!(pub fn put(_0: String, _1: u64))));
        assert!(text_of(&out).contains("# [cfg (test)] # [doc"));
        assert!(has(&out, quote!(pub fn http_status())));
        assert!(has(&out, quote!(Self::HTTPStatus { reply_to: sender })));
        assert!(has(&out, quote!(Self::Shutdown { .. } => false,)));
        assert!(!has(&out, quote!(Request for)));
    }

    #[test]
    fn enum_uniform() {
        let out = ok(
            quote!(bool, method = ack),
            quote!(
                enum Job {
                    Run(u32),
                    #[reply(constructor = halt)]
                    Stop,
                }
            ),
        );
        assert!(has(&out, quote!(fn run(_0: u32))));
        assert!(has(&out, quote!(fn halt())));
        assert!(has(&out, quote!(fn ack(self, value: bool))));
        assert!(has(&out, quote!(Self::Run(.., sender) => sender,)));
        assert!(has(
            &out,
            quote!(impl ::oneshot::__private::Request for Job)
        ));
    }

    #[test]
    fn keyword_variant_becomes_raw() {
        let out = ok(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    Type,
                    #[reply(u8)]
                    Loop(u8),
                }
            ),
        );
        assert!(has(&out, quote!(fn r#type())));
        assert!(has(&out, quote!(fn r#loop(_0: u8))));
    }

    #[test]
    fn snake_case() {
        for (from, to) in [
            ("Get", "get"),
            ("GetBalance", "get_balance"),
            ("HTTPGet", "http_get"),
            ("GetHTTP", "get_http"),
            ("V2", "v2"),
            ("V2Get", "v2_get"),
            ("Already_Snake", "already_snake"),
            ("A", "a"),
        ] {
            assert_eq!(ast::snake_case(from), to);
        }
    }

    #[test]
    fn errors() {
        let one = |args: TokenStream, item: TokenStream, needle: &str| {
            let errors = err(args, item);
            assert!(
                errors.iter().any(|e| e.contains(needle)),
                "no error containing {needle:?} in {errors:?}"
            );
        };
        one(
            quote!(),
            quote!(
                struct S;
            ),
            "missing reply type",
        );
        one(
            quote!(u8),
            quote!(
                fn f() {}
            ),
            "not to a function",
        );
        one(
            quote!(u8),
            quote!(
                pub trait T {}
            ),
            "not to a trait",
        );
        one(quote!(u8), quote!(impl S {}), "not to an impl block");
        one(quote!(u8), quote!(union U { a: u8 }), "not to a union");
        one(
            quote!(u8),
            quote!(
                struct S {
                    reply_to: u8,
                }
            ),
            "field = other_name",
        );
        one(
            quote!(u8, field = x),
            quote!(
                struct S(u8);
            ),
            "tuple struct",
        );
        one(
            quote!(u8),
            quote!(
                #[oneshot::oneshot_reply(u8)]
                struct S;
            ),
            "applied twice",
        );
        for derive in [
            "Clone",
            "Copy",
            "Default",
            "PartialEq",
            "Eq",
            "Hash",
            "PartialOrd",
            "Ord",
        ] {
            let path: syn::Path = syn::parse_str(&format!("core::cmp::{derive}")).unwrap();
            one(
                quote!(u8),
                quote!(
                    #[derive(Debug, #path)]
                    struct S;
                ),
                &format!("cannot derive `{derive}`"),
            );
        }
        one(
            quote!(u8, constructor = is_abandoned),
            quote!(
                struct S;
            ),
            "defined twice",
        );
        one(
            quote!(u8, method = new),
            quote!(
                struct S;
            ),
            "defined twice",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    A,
                }
            ),
            "no variant has a `#[reply(T)]`",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply]
                    A,
                }
            ),
            "missing reply type for this variant",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    #[reply(u8)]
                    A,
                }
            ),
            "given twice",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    A,
                    #[reply(u8, constructor = a)]
                    B,
                }
            ),
            "already taken",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    IsAbandoned,
                }
            ),
            "already taken",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    Crate,
                }
            ),
            "a keyword",
        );
        one(
            quote!(u8),
            quote!(
                enum E {
                    #[reply(u8)]
                    A,
                }
            ),
            "already given at the enum level",
        );
        one(
            quote!(u8),
            quote!(
                enum E {}
            ),
            "without variants",
        );
        one(
            quote!(u8, constructor = c),
            quote!(
                enum E {
                    A,
                }
            ),
            "one constructor per replying variant",
        );
        one(
            quote!(method = m),
            quote!(
                enum E {
                    #[reply(u8)]
                    A,
                }
            ),
            "`method =` names the reply method",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8, field = f)]
                    A,
                }
            ),
            "applies to the whole enum",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply(u8)]
                    A { reply_to: u8 },
                }
            ),
            "this variant already has a field",
        );
        one(
            quote!(),
            quote!(
                enum E {
                    #[reply = "u8"]
                    A,
                }
            ),
            "in parentheses",
        );
        one(
            quote!(impl Send),
            quote!(
                struct S;
            ),
            "`impl Trait` cannot be a reply type",
        );
    }

    #[test]
    fn client_items() {
        let out = ok(
            quote!(client),
            quote!(
                pub enum Command {
                    #[reply(Option<u64>)]
                    Get {
                        key: String,
                    },
                    #[reply(())]
                    Set(String, u64),
                    Shutdown,
                }
            ),
        );
        for needle in [
            quote!(pub struct CommandClient),
            quote!(pub struct CommandMailbox),
            quote!(pub trait CommandHandler),
            quote!(pub trait CommandAsyncHandler),
            quote!(
                fn get(&mut self, key: String) -> Option<u64>;
            ),
            quote!(
                fn set(&mut self, _0: String, _1: u64);
            ),
            quote!(pub async fn get(&self, key: String)),
            quote!(pub fn get_blocking(&self, key: String)),
            quote!(pub fn try_set(&self, _0: String, _1: u64)),
            quote!(pub fn shutdown_timeout(&self, timeout: ::oneshot::__private::Duration)),
            quote!(pub fn dispatch(self, handler: &mut (impl CommandHandler + ?Sized))),
            quote!(::oneshot::__private::mpmc::Sender<Command>),
        ] {
            assert!(has(&out, needle.clone()), "missing {needle}");
        }
        // Spelt as text: rustfmt would drop the comma from a `quote!`.
        assert!(text_of(&out).contains("fn shutdown (& mut self ,) ;"));
    }

    #[test]
    fn client_collisions_name_both() {
        let errors = err(
            quote!(client),
            quote!(
                enum E {
                    #[reply(u8)]
                    Get,
                    #[reply(u8)]
                    TryGet,
                    Bounded,
                }
            ),
        );
        assert!(
            errors.iter().any(|e| e
                .contains("`EClient::try_get` generated for the variant `TryGet`")
                && e.contains("generated for the variant `Get`")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.contains("the client's constructor `bounded`")),
            "{errors:?}"
        );
        let errors = err(
            quote!(client = E),
            quote!(
                enum E {
                    A,
                }
            ),
        );
        assert!(errors[0].contains("like the enum itself"), "{errors:?}");
        let errors = err(
            quote!(handler = H),
            quote!(
                enum E {
                    A,
                }
            ),
        );
        assert!(
            errors[0].contains("opt in to the client first"),
            "{errors:?}"
        );
        let errors = err(
            quote!(u8, client),
            quote!(
                struct S;
            ),
        );
        assert!(errors[0].contains("from an enum of commands"), "{errors:?}");
    }

    #[test]
    fn client_methods_do_not_shadow_trait_methods() {
        for (variant, name) in [
            (quote!(Clone), "clone"),
            (quote!(CloneFrom), "clone_from"),
            (quote!(Fmt), "fmt"),
            (quote!(From), "from"),
            (quote!(AsRef), "as_ref"),
            (quote!(Into), "into"),
            (quote!(Borrow), "borrow"),
            (quote!(ToOwned), "to_owned"),
            (quote!(TypeId), "type_id"),
        ] {
            let errors = err(quote!(client), quote!(enum E { #variant }));
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert!(
                errors[0].contains(&format!("`EClient::{name}` generated for the variant"))
                    && errors[0].contains("would shadow"),
                "{errors:?}"
            );
        }
        // `try_into` comes from a variant named `Into`'s `try_` form, and a
        // renamed constructor is checked too.
        let errors = err(
            quote!(client),
            quote!(
                enum E {
                    #[reply(u8, constructor = borrow_mut)]
                    A,
                }
            ),
        );
        assert!(errors[0].contains("`BorrowMut::borrow_mut`"), "{errors:?}");
        // Names that only contain one are fine.
        ok(
            quote!(client),
            quote!(
                enum E {
                    Cloned,
                    Format,
                    FromDisk,
                }
            ),
        );
    }

    #[test]
    fn client_items_go_through_the_feature_gate() {
        let text = expand_to_string(
            quote!(client),
            quote!(
                enum E {
                    A,
                }
            ),
        );
        assert!(
            text.starts_with(
                &quote!(
                    enum E {
                        A,
                    }
                )
                .to_string()
            ) || text.contains(&quote!(::oneshot::__private::client_items!).to_string()),
            "{text}"
        );
        assert!(
            text.contains(&quote!(::oneshot::__private::client_items!).to_string()),
            "{text}"
        );
    }

    /// Every blocking method of the family carries the same `# Blocking`
    /// paragraph: the generated ones (this crate's `BLOCKING`) and the
    /// hand-written ones of `oneshot` and `mpmc`, wrapped in `///` lines.
    #[test]
    fn one_blocking_paragraph_everywhere() {
        let prose = |source: &str| {
            source
                .lines()
                .map(|line| line.trim().trim_start_matches("///").trim())
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (file, source, methods) in [
            (
                "oneshot/src/receiver.rs",
                include_str!("../../oneshot/src/receiver.rs"),
                4,
            ),
            (
                "mpmc/src/sender.rs",
                include_str!("../../mpmc/src/sender.rs"),
                3,
            ),
            (
                "mpmc/src/receiver.rs",
                include_str!("../../mpmc/src/receiver.rs"),
                6,
            ),
        ] {
            let text = prose(source);
            assert_eq!(
                text.matches(crate::client::BLOCKING).count(),
                methods,
                "{file}: the `# Blocking` paragraph differs from oneshot-macros' `BLOCKING`"
            );
            assert_eq!(text.matches("# Blocking").count(), methods, "{file}");
        }
    }

    #[test]
    fn every_error_is_reported() {
        let errors = err(
            quote!(_, field = x),
            quote!(
                #[derive(Clone, Copy)]
                struct S(u8);
            ),
        );
        assert_eq!(errors.len(), 4, "{errors:?}");
    }

    #[test]
    fn errors_become_compile_error_plus_the_item() {
        let out = oneshot_reply(
            quote!(),
            quote!(
                enum E {
                    #[reply]
                    A,
                    B,
                }
            ),
        );
        let text = out.to_string();
        assert!(text.contains("compile_error"), "{text}");
        assert!(
            text.contains(
                &quote!(
                    enum E {
                        A,
                        B,
                    }
                )
                .to_string()
            ),
            "{text}"
        );
        assert!(expand_to_string(
            quote!(),
            quote!(
                struct S;
            )
        )
        .contains("missing reply type"));
    }
}
