
mod independent;
