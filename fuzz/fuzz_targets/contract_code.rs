#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| kuai_fuzz::contract_code(data));
