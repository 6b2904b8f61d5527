//! With `client`, the enum of commands also becomes a typed actor: this
//! module generates its client (one method per variant and way of waiting),
//! its mailbox (with the serve loops), the two handler traits, and the
//! enum's `dispatch` and `dispatch_async`.
//!
//! The rules (name collisions, where `client` may appear) are in `valid.rs`;
//! this module assumes they hold. Everything is named through
//! `<crate>::__private`; locals and parameters the user did not write use
//! `Span::mixed_site()`, so a field named `handler` or `timeout` cannot
//! clash with them.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt as _;
use syn::{Attribute, Fields, GenericParam, Generics, Ident, Type};

use crate::ast::{self, ClientNames, Enum};
use crate::expand::{self, Names};

/// One variant as the client and the handlers see it.
/// The `# Blocking` paragraph of every generated method that blocks the
/// thread; the same words as on `oneshot::Receiver::recv` and `mpmc`'s
/// blocking methods.
pub(crate) const BLOCKING: &str = "This call blocks the thread. On an async runtime's worker thread it does not panic, but it stalls that worker and the tasks queued on it, and if what it waits for can only come from a task of the same runtime (always so on a current-thread runtime) it hangs, or waits out its timeout: in async code use the async form, or move the call to a blocking pool (such as `tokio::task::spawn_blocking`).";

struct Command<'a> {
    cfgs: Vec<&'a Attribute>,
    docs: Vec<&'a Attribute>,
    ident: &'a Ident,
    /// The method name: the constructor's (`constructor =` or snake case).
    base: Ident,
    reply: Option<&'a Type>,
    /// The parameters, one per field, as the constructor takes them.
    params: Vec<TokenStream>,
    /// The arguments that pass those parameters on, with their `#[cfg]`s.
    args: Vec<TokenStream>,
    fields: &'a Fields,
}

/// The generated items for `item`, whose client is named by `client`.
pub(crate) fn expand(item: &Enum<'_>, client: &ClientNames, names: &Names) -> TokenStream {
    let input = item.original;
    let uniform = item.args.reply.as_ref().map(|opt| &opt.value);
    let commands: Vec<Command<'_>> = item
        .variants
        .iter()
        .map(|variant| {
            let original = variant.original;
            let reply = uniform.or_else(|| {
                variant
                    .args()
                    .and_then(|args| args.reply.as_ref())
                    .map(|opt| &opt.value)
            });
            let (params, args) = params_and_args(&original.fields);
            Command {
                cfgs: expand::cfgs(&original.attrs),
                docs: original
                    .attrs
                    .iter()
                    .filter(|attr| attr.path().is_ident("doc"))
                    .collect(),
                ident: &original.ident,
                base: variant.constructor(),
                reply,
                params,
                args,
                fields: &original.fields,
            }
        })
        .collect();

    let cx = Context {
        item,
        client,
        names,
        handler_param: fresh_type_param(&input.generics, "H"),
        handler: Ident::new("handler", Span::mixed_site()),
        command: Ident::new("command", Span::mixed_site()),
        timeout: Ident::new("timeout", Span::mixed_site()),
        capacity: Ident::new("capacity", Span::mixed_site()),
    };
    let handlers = cx.handler_traits(&commands);
    let dispatch = cx.dispatch(&commands);
    let client_items = cx.client(&commands);
    let mailbox_items = cx.mailbox();
    // Through `__private::client_items!`, which passes the items on with
    // `oneshot`'s `client` feature and is one `compile_error!` naming the
    // feature without it (instead of an error per missing `__private` item).
    let private = &names.private;
    quote! {
        #private::client_items! {
            #handlers
            #dispatch
            #client_items
            #mailbox_items
        }
    }
}

/// Each field's parameter (`key: String`, or `_0: u64` in a tuple variant)
/// and the argument passing it on, both with the field's `#[cfg]`s.
fn params_and_args(fields: &Fields) -> (Vec<TokenStream>, Vec<TokenStream>) {
    match fields {
        Fields::Named(named) => named
            .named
            .iter()
            .map(|field| {
                let cfgs = expand::cfgs(&field.attrs);
                let ident = expand::param_ident(field);
                (expand::param(field), quote!(#(#cfgs)* #ident))
            })
            .unzip(),
        Fields::Unnamed(unnamed) => unnamed
            .unnamed
            .iter()
            .enumerate()
            .map(|(i, field)| {
                let cfgs = expand::cfgs(&field.attrs);
                let ident = format_ident!("_{}", i);
                let ty = &field.ty;
                (quote!(#(#cfgs)* #ident: #ty), quote!(#(#cfgs)* #ident))
            })
            .unzip(),
        Fields::Unit => (Vec::new(), Vec::new()),
    }
}

/// `H`, or `H1`, `H2`, ... if the enum already has a parameter named so.
fn fresh_type_param(generics: &Generics, stem: &str) -> Ident {
    let taken = |name: &str| {
        generics.params.iter().any(|param| match param {
            GenericParam::Type(ty) => ty.ident.unraw() == name,
            GenericParam::Const(c) => c.ident.unraw() == name,
            GenericParam::Lifetime(_) => false,
        })
    };
    let mut name = stem.to_owned();
    let mut n = 0;
    while taken(&name) {
        n += 1;
        name = format!("{stem}{n}");
    }
    Ident::new(&name, Span::call_site())
}

/// Whether the reply type is written `()`: its handler method then returns
/// nothing, rather than `-> ()`.
fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}

struct Context<'a> {
    item: &'a Enum<'a>,
    client: &'a ClientNames,
    names: &'a Names,
    handler_param: Ident,
    handler: Ident,
    command: Ident,
    timeout: Ident,
    capacity: Ident,
}

impl Context<'_> {
    fn enum_ident(&self) -> &Ident {
        &self.item.original.ident
    }

    /// `Command<T>`, the enum as a type.
    fn command_ty(&self) -> TokenStream {
        let ident = self.enum_ident();
        let (_, ty_generics, _) = self.item.original.generics.split_for_impl();
        quote!(#ident #ty_generics)
    }

    fn mpmc(&self) -> TokenStream {
        let private = &self.names.private;
        quote!(#private::mpmc)
    }

    /// The expression that builds the command for `command`'s client
    /// methods: with the reply sender in `sender` if it has a reply.
    fn build(&self, command: &Command<'_>) -> TokenStream {
        // No generic arguments on the path: a variant's path cannot take
        // lifetimes, and the mailbox's type fixes them.
        let ident = self.enum_ident();
        let variant = command.ident;
        let path = quote!(#ident :: #variant);
        if command.reply.is_some() {
            return expand::constructor_parts(command.fields, &path, self.names).1;
        }
        let args = &command.args;
        match command.fields {
            Fields::Named(named) => {
                let inits = named.named.iter().map(|field| {
                    let cfgs = expand::cfgs(&field.attrs);
                    let ident = expand::param_ident(field);
                    quote!(#(#cfgs)* #ident)
                });
                quote!(#path { #(#inits),* })
            }
            Fields::Unnamed(_) => quote!(#path(#(#args),*)),
            Fields::Unit => path,
        }
    }

    /// The pattern that takes `command`'s variant apart into its fields
    /// (bound as the parameters are named) and its reply sender.
    fn pattern(&self, command: &Command<'_>) -> TokenStream {
        let Names { field, sender, .. } = self.names;
        let variant = command.ident;
        let reply = command.reply.map(|_| quote!(#field: #sender));
        match command.fields {
            Fields::Named(named) => {
                let fields = named.named.iter().map(|f| {
                    let cfgs = expand::cfgs(&f.attrs);
                    let ident = f.ident.as_ref();
                    let param = expand::param_ident(f);
                    quote!(#(#cfgs)* #ident: #param)
                });
                quote!(Self::#variant { #(#fields,)* #reply })
            }
            // Tuple fields cannot carry `#[cfg]` in a pattern; `valid.rs`
            // rejects them with `client`.
            Fields::Unnamed(unnamed) => {
                let fields = (0..unnamed.unnamed.len()).map(|i| format_ident!("_{}", i));
                let sender = command.reply.map(|_| sender);
                quote!(Self::#variant(#(#fields,)* #sender))
            }
            Fields::Unit => match reply {
                Some(reply) => quote!(Self::#variant { #reply }),
                None => quote!(Self::#variant),
            },
        }
    }

    fn handler_traits(&self, commands: &[Command<'_>]) -> TokenStream {
        let input = self.item.original;
        let vis = &input.vis;
        let generics = &input.generics;
        let where_clause = &generics.where_clause;
        let private = &self.names.private;
        let enum_ident = self.enum_ident();
        let ClientNames {
            handler,
            async_handler,
            mailbox,
            ..
        } = self.client;

        let mut sync_methods = Vec::new();
        let mut async_methods = Vec::new();
        for command in commands {
            let Command {
                cfgs,
                docs,
                ident,
                base,
                params,
                ..
            } = command;
            let (sync_ret, async_output) = match command.reply {
                Some(reply) if !is_unit(reply) => (quote!(-> #reply), quote!(#reply)),
                _ => (TokenStream::new(), quote!(())),
            };
            let what = match command.reply {
                Some(_) => "; the value it returns is the reply",
                None => "",
            };
            let sync_doc = format!(
                " Handles a `{enum_ident}::{ident}` command{what}. Runs on the thread that serves the mailbox."
            );
            let async_doc = format!(
                " Handles a `{enum_ident}::{ident}` command{what}. Implement it with `async fn`; the future runs in the task that serves the mailbox."
            );
            let sep = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
            sync_methods.push(quote! {
                #(#cfgs)*
                #(#docs)*
                #sep
                #[doc = #sync_doc]
                #[allow(clippy::too_many_arguments)]
                fn #base(&mut self, #(#params),*) #sync_ret;
            });
            async_methods.push(quote! {
                #(#cfgs)*
                #(#docs)*
                #sep
                #[doc = #async_doc]
                #[allow(clippy::too_many_arguments)]
                fn #base(&mut self, #(#params),*) -> impl #private::Future<Output = #async_output>;
            });
        }
        let sync_doc = format!(
            " What the `{enum_ident}` actor does, on a thread: one method per command, named like the client's methods, each returning the command's reply.\n\n `{mailbox}::serve_blocking` runs it for every command until every client is gone; `{enum_ident}::dispatch` runs it for one command."
        );
        let async_doc = format!(
            " What the `{enum_ident}` actor does, in a task: one method per command, named like the client's methods, each returning a future of the command's reply (implement them with `async fn`).\n\n `{mailbox}::serve` runs it for every command until every client is gone, and is `Send` whenever the handler and its futures are; `{enum_ident}::dispatch_async` runs it for one command."
        );
        quote! {
            #[doc = #sync_doc]
            #[allow(dead_code)]
            #vis trait #handler #generics #where_clause {
                #(#sync_methods)*
            }

            #[doc = #async_doc]
            #[allow(dead_code)]
            #vis trait #async_handler #generics #where_clause {
                #(#async_methods)*
            }
        }
    }

    fn dispatch(&self, commands: &[Command<'_>]) -> TokenStream {
        let input = self.item.original;
        let vis = &input.vis;
        let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
        let turbofish = ty_generics.as_turbofish();
        let Names {
            private, sender, ..
        } = self.names;
        let ClientNames {
            handler: handler_trait,
            async_handler,
            ..
        } = self.client;
        let handler = &self.handler;
        let enum_ident = self.enum_ident();

        let mut sync_arms = Vec::new();
        let mut async_arms = Vec::new();
        for command in commands {
            let cfgs = &command.cfgs;
            let pattern = self.pattern(command);
            let base = &command.base;
            let args = &command.args;
            let sync_call = quote!(#handler_trait #turbofish :: #base(#handler, #(#args),*));
            let async_call = quote!(#async_handler #turbofish :: #base(#handler, #(#args),*).await);
            let (sync_body, async_body) = match command.reply {
                Some(reply) if is_unit(reply) => (
                    quote!({ #sync_call; #private::answer(#sender, ()); }),
                    quote!({ #async_call; #private::answer(#sender, ()); }),
                ),
                Some(_) => (
                    quote!(#private::answer(#sender, #sync_call)),
                    quote!(#private::answer(#sender, #async_call)),
                ),
                None => (quote!(#sync_call), quote!(#async_call)),
            };
            sync_arms.push(quote!(#(#cfgs)* #pattern => #sync_body,));
            async_arms.push(quote!(#(#cfgs)* #pattern => #async_body,));
        }
        let dispatch = format_ident!("{}", crate::valid::DISPATCH);
        let dispatch_async = format_ident!("{}", crate::valid::DISPATCH_ASYNC);
        let sync_doc = format!(
            " Runs the handler's method for this command and sends its return value as the reply.\n\n The method always runs, even if the caller no longer waits (`is_abandoned()`), so a command's effect never depends on whether its caller is still there; a reply nobody waits for is dropped, which is not an error. See `{handler_trait}`."
        );
        let async_doc = format!(
            " Runs the async handler's method for this command, awaits it, and sends its output as the reply.\n\n The method always runs, even if the caller no longer waits (`is_abandoned()`), so a command's effect never depends on whether its caller is still there; a reply nobody waits for is dropped, which is not an error. See `{async_handler}`."
        );
        quote! {
            #[allow(dead_code)]
            impl #impl_generics #enum_ident #ty_generics #where_clause {
                #[doc = #sync_doc]
                #vis fn #dispatch(self, #handler: &mut (impl #handler_trait #ty_generics + ?Sized)) {
                    match self { #(#sync_arms)* }
                }

                #[doc = #async_doc]
                #vis async fn #dispatch_async(self, #handler: &mut (impl #async_handler #ty_generics + ?Sized)) {
                    match self { #(#async_arms)* }
                }
            }
        }
    }

    fn client(&self, commands: &[Command<'_>]) -> TokenStream {
        let input = self.item.original;
        let vis = &input.vis;
        let generics = &input.generics;
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let Names {
            private,
            sender,
            receiver,
            ..
        } = self.names;
        let mpmc = self.mpmc();
        let command_ty = self.command_ty();
        let enum_ident = self.enum_ident();
        let ClientNames {
            client, mailbox, ..
        } = self.client;
        let Context {
            command,
            timeout,
            capacity,
            ..
        } = self;
        let client_name = client.unraw().to_string();

        let mut methods = Vec::new();
        for cmd in commands {
            let Command {
                cfgs,
                docs,
                ident: variant,
                params,
                ..
            } = cmd;
            let [call, blocking, timed, try_call] = ast::client_methods(&cmd.base);
            let build = self.build(cmd);
            let sep = (!docs.is_empty()).then(|| quote!(#[doc = ""]));
            let what = format!("`{enum_ident}::{variant}`");
            let Some(reply) = cmd.reply else {
                let call_doc = format!(
                    " Sends a {what} command, in a task: waits for room in the mailbox, and is done once the mailbox accepted the command (not once the actor handled it).\n\n Dropping the future before then sends nothing: the command is dropped with it.\n\n # Errors\n\n `CallError::Disconnected` if the actor is gone."
                );
                let blocking_doc = format!(
                    " Sends a {what} command from a thread, blocking it while the mailbox is full; done once the mailbox accepted the command.\n\n In a task, use `{call}`.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n `CallError::Disconnected` if the actor is gone."
                );
                let timed_doc = format!(
                    " Sends a {what} command from a thread, blocking it while the mailbox is full, for at most `timeout`.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n `CallError::Timeout` if the mailbox had no room in time (the command is dropped), `CallError::Disconnected` if the actor is gone."
                );
                let try_doc = format!(
                    " Sends a {what} command if the mailbox has room now, without waiting. On a rendezvous mailbox (`bounded(0)`) there is room only while an actor thread waits in `serve_blocking`; an actor task (`serve`) never makes room for a `try_` call.\n\n # Errors\n\n `TryCallError::Full` if the mailbox is full, `TryCallError::Disconnected` if the actor is gone; either way the command comes back in the error."
                );
                methods.push(quote! {
                    #(#cfgs)* #(#docs)* #sep #[doc = #call_doc]
                    #[allow(clippy::too_many_arguments)]
                    #vis async fn #call(&self, #(#params),*) -> #private::Result<(), #private::CallError> {
                        #private::tell(&self.#sender, #build).await
                    }

                    #(#cfgs)* #(#docs)* #sep #[doc = #blocking_doc]
                    #[allow(clippy::too_many_arguments)]
                    #vis fn #blocking(&self, #(#params),*) -> #private::Result<(), #private::CallError> {
                        #private::tell_blocking(&self.#sender, #build)
                    }

                    #(#cfgs)* #(#docs)* #sep #[doc = #timed_doc]
                    #[allow(clippy::too_many_arguments)]
                    #vis fn #timed(&self, #(#params,)* #timeout: #private::Duration) -> #private::Result<(), #private::CallError> {
                        #private::tell_timeout(&self.#sender, #build, #timeout)
                    }

                    #(#cfgs)* #(#docs)* #sep #[doc = #try_doc]
                    #[allow(clippy::too_many_arguments)]
                    #vis fn #try_call(&self, #(#params),*) -> #private::Result<(), #private::TryCallError<#command_ty>> {
                        #private::try_tell(&self.#sender, #build)
                    }
                });
                continue;
            };
            let errors = "`CallError::Disconnected` if the actor is gone (before or after it accepted the request), `CallError::Dropped` if it took the request and dropped it without answering";
            let call_doc = format!(
                " Sends a {what} request and waits for its reply, in a task: first for room in the mailbox (backpressure on a full bounded mailbox), then for the actor's answer.\n\n Dropping the future cancels the call and never leaves half a request: before the mailbox accepted the request, the request is dropped with the future; after, the actor sees that nobody waits for the reply (`is_abandoned()`).\n\n # Errors\n\n {errors}."
            );
            let blocking_doc = format!(
                " Sends a {what} request and waits for its reply, blocking the thread: first while the mailbox is full, then until the actor answers.\n\n In a task, use `{call}`.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n {errors}."
            );
            let timed_doc = format!(
                " Sends a {what} request and waits for its reply, blocking the thread for at most `timeout`: one deadline covers waiting for room in the mailbox and waiting for the reply.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n `CallError::Timeout` if the deadline passed first (a request the mailbox accepted stays with the actor, which sees `is_abandoned()`), {errors}."
            );
            let try_doc = format!(
                " Sends a {what} request if the mailbox has room now, without waiting, and returns the receiver its reply arrives on. On a rendezvous mailbox (`bounded(0)`) there is room only while an actor thread waits in `serve_blocking`; an actor task (`serve`) never makes room for a `try_` call.\n\n # Errors\n\n `TryCallError::Full` if the mailbox is full, `TryCallError::Disconnected` if the actor is gone. Either way the request comes back together with its reply receiver, so it can be sent again with `{client_name}::send` (or `send_blocking`, `send_timeout`, `try_send`) and still be answered."
            );
            methods.push(quote! {
                #(#cfgs)* #(#docs)* #sep #[doc = #call_doc]
                #[allow(clippy::too_many_arguments)]
                #vis async fn #call(&self, #(#params),*) -> #private::Result<#reply, #private::CallError> {
                    let (#sender, #receiver) = #private::channel::<#reply>();
                    #private::call(&self.#sender, #build, #receiver).await
                }

                #(#cfgs)* #(#docs)* #sep #[doc = #blocking_doc]
                #[allow(clippy::too_many_arguments)]
                #vis fn #blocking(&self, #(#params),*) -> #private::Result<#reply, #private::CallError> {
                    let (#sender, #receiver) = #private::channel::<#reply>();
                    #private::call_blocking(&self.#sender, #build, #receiver)
                }

                #(#cfgs)* #(#docs)* #sep #[doc = #timed_doc]
                #[allow(clippy::too_many_arguments)]
                #vis fn #timed(&self, #(#params,)* #timeout: #private::Duration) -> #private::Result<#reply, #private::CallError> {
                    let (#sender, #receiver) = #private::channel::<#reply>();
                    #private::call_timeout(&self.#sender, #build, #receiver, #timeout)
                }

                #(#cfgs)* #(#docs)* #sep #[doc = #try_doc]
                #[allow(clippy::too_many_arguments, clippy::type_complexity)]
                #vis fn #try_call(&self, #(#params),*) -> #private::Result<
                    #private::Receiver<#reply>,
                    #private::TryCallError<(#command_ty, #private::Receiver<#reply>)>,
                > {
                    let (#sender, #receiver) = #private::channel::<#reply>();
                    #private::try_call(&self.#sender, #build, #receiver)
                }
            });
        }

        let struct_doc = format!(
            " A client of the `{enum_ident}` actor: one method per command, from a thread (`_blocking`, `_timeout`), in a task (`async`), or without waiting (`try_`).\n\n Make it with `{client_name}::bounded` or `{client_name}::unbounded`, which also return the actor's `{mailbox}`, or from an `mpmc::Sender<{enum_ident}>`. Clones are cheap and share the mailbox; the actor's serve loop ends once every client is gone.\n\n Unlike `mpmc::Sender::send`, which blocks the thread, this client's `send` (like each command's method without a suffix) is async and must be `.await`ed; `send_blocking` and the `_blocking` methods are the thread-blocking forms."
        );
        let bounded_doc = " Makes a client and the actor's mailbox, a bounded `mpmc` channel holding up to `capacity` commands: calls wait while it is full (backpressure). With `capacity` 0 it is a rendezvous: each send waits until the actor takes the command.";
        let unbounded_doc = " Makes a client and the actor's mailbox, an unbounded `mpmc` channel: sends never wait.";
        let into_inner_doc = " The `mpmc` sender this client sends commands through.";
        let send_doc = format!(
            " Sends a ready-made command, in a task, waiting for room in the mailbox. This is async, unlike `mpmc::Sender::send`; the blocking form is `send_blocking`. A request made with `{enum_ident}`'s constructors (or handed back by a `try_` method) is answered on the receiver kept with it.\n\n Dropping the future before the mailbox accepted the command drops the command.\n\n # Errors\n\n If the actor is gone, the command comes back in the `SendError`."
        );
        let send_blocking_doc = format!(" Sends a ready-made command from a thread, blocking it while the mailbox is full.\n\n In a task, use `send`.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n If the actor is gone, the command comes back in the `SendError`.");
        let send_timeout_doc = format!(" Sends a ready-made command from a thread, blocking it while the mailbox is full, for at most `timeout`.\n\n # Blocking\n\n {BLOCKING}\n\n # Errors\n\n On a timeout, or if the actor is gone, the command comes back in the `SendTimeoutError`.");
        let try_send_doc = " Sends a ready-made command if the mailbox has room now, without waiting.\n\n # Errors\n\n If the mailbox is full, or the actor is gone, the command comes back in the `TrySendError`.";

        quote! {
            #[doc = #struct_doc]
            #[allow(dead_code)]
            #vis struct #client #generics #where_clause {
                #sender: #mpmc::Sender<#command_ty>,
            }

            #[allow(dead_code)]
            impl #impl_generics #client #ty_generics #where_clause {
                #[doc = #bounded_doc]
                #[must_use]
                #vis fn bounded(#capacity: #private::usize) -> (Self, #mailbox #ty_generics) {
                    let (#sender, #receiver) = #mpmc::bounded::<#command_ty>(#capacity);
                    (Self { #sender }, #mailbox { #receiver })
                }

                #[doc = #unbounded_doc]
                #[must_use]
                #vis fn unbounded() -> (Self, #mailbox #ty_generics) {
                    let (#sender, #receiver) = #mpmc::unbounded::<#command_ty>();
                    (Self { #sender }, #mailbox { #receiver })
                }

                #[doc = #into_inner_doc]
                #[must_use]
                #vis fn into_inner(self) -> #mpmc::Sender<#command_ty> {
                    self.#sender
                }

                #[doc = #send_doc]
                #vis async fn send(&self, #command: #command_ty) -> #private::Result<(), #mpmc::SendError<#command_ty>> {
                    #mpmc::Sender::send_async(&self.#sender, #command).await
                }

                #[doc = #send_blocking_doc]
                #vis fn send_blocking(&self, #command: #command_ty) -> #private::Result<(), #mpmc::SendError<#command_ty>> {
                    #mpmc::Sender::send(&self.#sender, #command)
                }

                #[doc = #send_timeout_doc]
                #vis fn send_timeout(&self, #command: #command_ty, #timeout: #private::Duration) -> #private::Result<(), #mpmc::SendTimeoutError<#command_ty>> {
                    #mpmc::Sender::send_timeout(&self.#sender, #command, #timeout)
                }

                #[doc = #try_send_doc]
                #vis fn try_send(&self, #command: #command_ty) -> #private::Result<(), #mpmc::TrySendError<#command_ty>> {
                    #mpmc::Sender::try_send(&self.#sender, #command)
                }

                #(#methods)*
            }

            #[automatically_derived]
            impl #impl_generics #private::Clone for #client #ty_generics #where_clause {
                #[inline]
                fn clone(&self) -> Self {
                    Self { #sender: #private::Clone::clone(&self.#sender) }
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::Debug for #client #ty_generics #where_clause {
                fn fmt(&self, f: &mut #private::Formatter<'_>) -> #private::FmtResult {
                    f.debug_struct(#client_name).field("sender", &self.#sender).finish()
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::From<#mpmc::Sender<#command_ty>> for #client #ty_generics #where_clause {
                #[inline]
                fn from(#sender: #mpmc::Sender<#command_ty>) -> Self {
                    Self { #sender }
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::AsRef<#mpmc::Sender<#command_ty>> for #client #ty_generics #where_clause {
                #[inline]
                fn as_ref(&self) -> &#mpmc::Sender<#command_ty> {
                    &self.#sender
                }
            }
        }
    }

    fn mailbox(&self) -> TokenStream {
        let input = self.item.original;
        let vis = &input.vis;
        let generics = &input.generics;
        let (impl_generics, ty_generics, where_clause) = generics.split_for_impl();
        let turbofish = ty_generics.as_turbofish();
        let Names {
            private, receiver, ..
        } = self.names;
        let mpmc = self.mpmc();
        let command_ty = self.command_ty();
        let enum_ident = self.enum_ident();
        let ClientNames {
            client,
            mailbox,
            handler: handler_trait,
            async_handler,
        } = self.client;
        let Context {
            handler_param: h,
            handler,
            command,
            ..
        } = self;
        let mailbox_name = mailbox.unraw().to_string();
        let dispatch = format_ident!("{}", crate::valid::DISPATCH);
        let dispatch_async = format_ident!("{}", crate::valid::DISPATCH_ASYNC);

        let struct_doc = format!(
            " The mailbox of the `{enum_ident}` actor: the receiving end that `{client}`s send into.\n\n Serve it with `serve_blocking` on a thread or `serve` in a task, or take commands by hand through the `mpmc::Receiver` it dereferences to. Clones share the mailbox: several actors can serve one, each command going to one of them. When the last clone is dropped, commands still queued are dropped, so their callers see `CallError::Disconnected`."
        );
        let serve_blocking_doc = format!(
            " Serves the mailbox on this thread: runs `handler` (a `{handler_trait}`) for each command, in arrival order, and returns it once every client is gone (or the mailbox is closed) and the queue is drained.\n\n In a task, use `serve`.\n\n # Blocking\n\n {BLOCKING}"
        );
        let serve_doc = format!(
            " Serves the mailbox in a task: runs `handler` (a `{async_handler}`) for each command, in arrival order, awaiting each before taking the next, and returns it once every client is gone (or the mailbox is closed) and the queue is drained.\n\n The future is `Send` whenever the handler and its futures are, so it can be spawned on a multi-threaded runtime. Dropping it stops serving; commands left in the mailbox stay there for another clone of it."
        );
        let into_inner_doc = " The `mpmc` receiver this mailbox takes commands from.";

        quote! {
            #[doc = #struct_doc]
            #[allow(dead_code)]
            #vis struct #mailbox #generics #where_clause {
                #receiver: #mpmc::Receiver<#command_ty>,
            }

            #[allow(dead_code)]
            impl #impl_generics #mailbox #ty_generics #where_clause {
                #[doc = #serve_blocking_doc]
                #vis fn serve_blocking<#h: #handler_trait #ty_generics>(self, mut #handler: #h) -> #h {
                    while let #private::Result::Ok(#command) = #mpmc::Receiver::recv(&self.#receiver) {
                        #enum_ident #turbofish :: #dispatch(#command, &mut #handler);
                    }
                    #handler
                }

                #[doc = #serve_doc]
                #vis async fn serve<#h: #async_handler #ty_generics>(self, mut #handler: #h) -> #h {
                    while let #private::Result::Ok(#command) = #mpmc::Receiver::recv_async(&self.#receiver).await {
                        #enum_ident #turbofish :: #dispatch_async(#command, &mut #handler).await;
                    }
                    #handler
                }

                #[doc = #into_inner_doc]
                #[must_use]
                #vis fn into_inner(self) -> #mpmc::Receiver<#command_ty> {
                    self.#receiver
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::Clone for #mailbox #ty_generics #where_clause {
                #[inline]
                fn clone(&self) -> Self {
                    Self { #receiver: #private::Clone::clone(&self.#receiver) }
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::Debug for #mailbox #ty_generics #where_clause {
                fn fmt(&self, f: &mut #private::Formatter<'_>) -> #private::FmtResult {
                    f.debug_struct(#mailbox_name).field("receiver", &self.#receiver).finish()
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::From<#mpmc::Receiver<#command_ty>> for #mailbox #ty_generics #where_clause {
                #[inline]
                fn from(#receiver: #mpmc::Receiver<#command_ty>) -> Self {
                    Self { #receiver }
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::AsRef<#mpmc::Receiver<#command_ty>> for #mailbox #ty_generics #where_clause {
                #[inline]
                fn as_ref(&self) -> &#mpmc::Receiver<#command_ty> {
                    &self.#receiver
                }
            }

            #[automatically_derived]
            impl #impl_generics #private::Deref for #mailbox #ty_generics #where_clause {
                type Target = #mpmc::Receiver<#command_ty>;

                #[inline]
                fn deref(&self) -> &Self::Target {
                    &self.#receiver
                }
            }
        }
    }
}
